/**
 * Content-defined chunking: splits a file's bytes into blocks whose boundaries depend on the content, so that
 * inserting or deleting bytes changes only the blocks around the edit. {@link dev.ferry.chunk.FastCdc} (the
 * FastCDC 2020 algorithm with the sizes of the protocol, {@code docs/protocol.md}, "Content-defined chunking
 * (FastCDC)"), {@link dev.ferry.chunk.ParallelChunker} (the same chunks of a large input, cut and hashed on
 * every CPU) and {@link dev.ferry.chunk.Chunk} (offset, length, SHA-256) are the whole public face: call
 * {@code FastCdc.protocol().chunks(in)} to stream a file's blocks with a buffer of 256 KiB,
 * {@code new ParallelChunker(FastCdc.protocol()).chunks(in)} for a large file, or
 * {@code chunks(bytes)} / {@code cut(...)} on memory. This package reads only the stream it is given, keeps no
 * state between inputs and knows nothing of files, libraries, peers or the store. Its boundaries are part of
 * the protocol: the tables, masks, sizes and cut rule must never change within a protocol major version.
 *
 * <p>Conformance with the reference, the Rust crate {@code fastcdc} module {@code v2020} (nlfiedler/fastcdc-rs):
 * <ul>
 *   <li>Checked, published by the crate: {@code test_cut_all_zeros} (min/avg/max 64/256/1024, ten 1024-byte
 *       cuts with gear hash 14169102344523991076, in memory and streamed), {@code test_masks},
 *       {@code test_logarithm2} and the six {@code test_*_too_low/high} size checks
 *       ({@code PublishedVectorsTest}).
 *   <li>Checked, tables: all 256 GEAR entries equal the crate's generator (first 8 bytes of MD5 of 64 bytes
 *       of {@code i}); published entries and SHA-256 checksums of the crate's GEAR and GEAR_LS arrays
 *       ({@code GearTableTest}).
 *   <li>Encoded but not run here: {@code test_cut_sekien_16k_chunks}, {@code _32k_}, {@code _64k_} (the
 *       protocol sizes), {@code test_iter_sekien_16k_chunks} and {@code test_stream_sekien_16k_chunks} need
 *       the crate's {@code test/fixtures/SekienAkashita.jpg} (109,466 bytes), which is not in this repository
 *       and could not be downloaded; they run when {@code -Dferry.fastcdc.sekien=<path>} names a copy.
 *   <li>Not applicable: the crate's normalization level 0 and 3 vectors ({@code _nc_0}, {@code _nc_3}) and
 *       its seeded gear tables ({@code _seed_666}); Ferry uses level 1 and the unseeded tables only.
 *   <li>Cross-checked, not published: {@code CrossCheckVectorsTest} holds boundaries and gear hashes for
 *       reproducible SplitMix64 inputs (random, low-entropy, odd minimum, several size sets) computed by a
 *       transcription of the crate's {@code cut} compiled with rustc, which first reproduces the crate's
 *       all-zeros vector.
 * </ul>
 */
package dev.ferry.chunk;
