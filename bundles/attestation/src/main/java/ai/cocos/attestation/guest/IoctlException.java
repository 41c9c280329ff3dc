package ai.cocos.attestation.guest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** A driver refused an ioctl. The message names the device, the request and the errno. */
public final class IoctlException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long request;
  private final int errno;

  /**
   * Creates the error.
   *
   * @param device the device
   * @param request the request number
   * @param errno the C library's errno
   */
  public IoctlException(Path device, long request, int errno) {
    super(
        String.format(
            Locale.ROOT,
            "ioctl 0x%08x on %s failed: %s",
            request,
            device,
            Ioctl.describeErrno(errno)));
    this.request = request;
    this.errno = errno;
  }

  /**
   * The request number.
   *
   * @return what was asked
   */
  public long request() {
    return request;
  }

  /**
   * The errno.
   *
   * @return e.g. {@link Ioctl#EIO}
   */
  public int errno() {
    return errno;
  }
}
