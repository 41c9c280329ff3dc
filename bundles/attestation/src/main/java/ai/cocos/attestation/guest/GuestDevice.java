package ai.cocos.attestation.guest;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An open guest device: native buffers for a request's structures, and the ioctl itself. Buffers
 * live until the device is closed, so the addresses written into a request stay valid for the call.
 * Not thread-safe: one request at a time.
 */
public interface GuestDevice extends AutoCloseable {
  /** Native memory a request structure (or a buffer it points to) lives in. */
  interface Buffer {
    /**
     * The address to put into a structure that points here.
     *
     * @return the native address
     */
    long address();

    /**
     * The size.
     *
     * @return bytes
     */
    int size();

    /**
     * Copies bytes in.
     *
     * @param offset where in the buffer
     * @param bytes what
     */
    void write(int offset, byte[] bytes);

    /**
     * Copies bytes out.
     *
     * @param offset where in the buffer
     * @param length how many
     * @return the bytes
     */
    byte[] read(int offset, int length);
  }

  /**
   * The device's path.
   *
   * @return the path it was opened at
   */
  Path path();

  /**
   * Allocates a zero-filled native buffer.
   *
   * @param size bytes, at least 1
   * @return the buffer
   */
  Buffer allocate(int size);

  /**
   * Issues an ioctl whose argument is a pointer to {@code argument}.
   *
   * @param request the request number (see {@link Ioctl#iowr})
   * @param argument the request structure
   * @throws IoctlException if the driver refuses, with its errno
   */
  void ioctl(long request, Buffer argument) throws IoctlException;

  /**
   * Closes the device and frees the buffers.
   *
   * @throws IOException if the close fails
   */
  @Override
  void close() throws IOException;
}
