/**
 * Ferry asset archives as CARv1 streams ({@code https://ipld.io/specs/transport/car/carv1/}), readable by
 * standard IPLD tools ({@code go-car}, {@code ipfs dag import}, {@code @ipld/car}) within their block-size limits
 * (see the last section). {@link dev.ferry.car.CarWriter}
 * and {@link dev.ferry.car.CarReader} are the public face, {@link dev.ferry.car.CarIndex} and
 * {@link dev.ferry.car.CarEntry} the metadata, {@link dev.ferry.car.Cid} the block names, {@link dev.ferry.car.Car}
 * the limits. This package owns the archive's bytes and nothing else: it never opens files or sockets, never
 * closes the streams it is given, and knows nothing of the store, libraries or peers. It never holds a whole
 * archive or a whole asset block in memory: asset bytes stream through in 64 KiB pieces, hashed on the way; the
 * writer encodes the index twice rather than keep it; the reader keeps at most a header of
 * {@link dev.ferry.car.Car#MAX_HEADER_SIZE} (1 MiB) and the decoded index of a block of at most
 * {@link dev.ferry.car.Car#MAX_INDEX_SIZE} (64 MiB) whose decoding may take at most
 * {@link dev.ferry.car.Car#MAX_INDEX_HEAP} (256 MiB, estimated as it decodes), and checks every length before
 * reading what it announces.
 * Archives are untrusted input: reading fails only with {@link dev.ferry.car.CarFormatException} (or the
 * stream's own {@code IOException}).
 *
 * <h2>Layout</h2>
 * A header whose one root is the dag-cbor CID of the index block; the index block; one raw block per live asset,
 * in index order. The index block comes first so a reader learns the metadata before the bytes, and knows how
 * many blocks must follow (a stream cut between blocks is a truncated archive, not a short one). Tombstones are
 * in the index with a null {@code cid} and have no block, so every link in the archive resolves inside it.
 *
 * <h2>Spec points followed</h2>
 * <ul>
 * <li>CARv1: {@code varint | header} then sections {@code varint | CID | data}; each varint is the unsigned
 *     LEB128 length of what follows it, the section length counting the CID. Varints as the multiformats
 *     unsigned-varint spec restricts them: at most 9 bytes, minimally encoded (both enforced when reading).
 * <li>Header: the DAG-CBOR map {@code {"roots": [CID], "version": 1}}. The spec asks for one or more roots and
 *     recommends exactly one; Ferry writes and accepts exactly one, and checks that the first block is it
 *     (the spec leaves root existence unchecked). Version 2 (a CARv2 pragma) is refused by name.
 * <li>CIDs: CIDv1 only (the spec allows v0 too; the reader refuses it), binary
 *     {@code varint(1) varint(codec) varint(0x12) varint(32) digest}, codecs raw (0x55) for assets and dag-cbor
 *     (0x71) for the index, multihash sha2-256. String form: multibase base32 lowercase, prefix {@code b}.
 *     Checked against the published vector {@code bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku}
 *     (raw, empty bytes).
 * <li>DAG-CBOR ({@code https://ipld.io/specs/codecs/dag-cbor/spec/}), written through Jackson's CBOR generator:
 *     map keys sorted shorter first, then bytewise; integers in their shortest head; definite lengths only
 *     (text goes through {@code writeUTF8String}, because Jackson's {@code writeString} chunks long strings);
 *     UTF-8 text from well-formed strings only; links as tag 42 on a byte string of 0x00 and the binary CID;
 *     no other tags, no floats.
 * <li>Determinism (left to users by the CAR spec): the same {@code CarIndex} and bytes give the same archive,
 *     byte for byte; one root; no duplicate blocks (an index lists a hash once).
 * </ul>
 *
 * <h2>Block size and IPFS tooling</h2>
 * One asset is one raw block, so a raw block's CID digest is the asset's Ferry hash (its SHA-256) and an
 * archive maps onto the store without re-chunking. The cost is block size. IPFS tooling prefers blocks of at
 * most 1 to 2 MiB: Bitswap will not move larger ones, and Kubo's {@code ipfs dag import} refuses blocks over
 * 1 MiB unless given {@code --allow-big-block}. CAR readers accept larger blocks up to their own section limit:
 * go-car v2 (which Kubo uses) refuses sections over 8 MiB unless its {@code MaxAllowedSectionSize} option is
 * raised, and {@code @ipld/car} 5.x has no such limit. So an archive whose assets and index are each under
 * 8 MiB reads everywhere; larger ones need a tool configured for them. Ferry's own block limit is a
 * constructor parameter, defaulting to {@link dev.ferry.car.Car#DEFAULT_MAX_BLOCK_SIZE} (1 GiB), which is also
 * the largest asset an archive can hold.
 */
package dev.ferry.car;
