/**
 * SHA-256 of many streams at once. On a CPU without SHA instructions one stream hashes at about 250-380 MB/s
 * a core (the JDK, and openssl), which made hashing half of a syncing daemon's CPU; eight streams hashed
 * together in the lanes of 256-bit vector registers ({@link dev.ferry.hash.VectorSha256}, the JDK's incubating
 * Vector API) cost about a quarter of that per byte. {@link dev.ferry.hash.Sha256Lanes} runs the shared engine
 * and hands each stream a lane. Depends on nothing else in Ferry; the store decides when to use it.
 */
package dev.ferry.hash;
