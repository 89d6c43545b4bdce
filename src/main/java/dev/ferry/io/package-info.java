/**
 * Disk writing shared by the asset store and folder transfers: {@link dev.ferry.io.RangeWriter} writes a range of
 * a file past the page cache where the filesystem allows it, and
 * {@link dev.ferry.io.Chunks} reuses the 1 MiB buffers uploads read and gather through. Depends on nothing else in Ferry.
 */
package dev.ferry.io;
