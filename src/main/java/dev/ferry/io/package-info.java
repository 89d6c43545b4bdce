/**
 * Disk I/O shared by the asset store and folder transfers: {@link dev.ferry.io.RangeWriter} writes a range of
 * a file past the page cache where the filesystem allows it, {@link dev.ferry.io.DirectReader} reads such files
 * back the same way, {@link dev.ferry.io.AlignedBuffers} pools the aligned buffers both need, and
 * {@link dev.ferry.io.Chunks} reuses the 1 MiB buffers uploads read and gather through. Depends on nothing else in Ferry.
 */
package dev.ferry.io;
