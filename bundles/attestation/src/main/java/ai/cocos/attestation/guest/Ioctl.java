package ai.cocos.attestation.guest;

import java.util.Locale;

/**
 * Request numbers as {@code include/uapi/asm-generic/ioctl.h} builds them, and the errno values
 * (x86-64 and arm64 Linux, {@code asm-generic/errno-base.h}) the guest drivers answer with.
 */
public final class Ioctl {
  /** {@code _IOC_NRBITS}. */
  static final int NR_BITS = 8;

  /** {@code _IOC_TYPEBITS}. */
  static final int TYPE_BITS = 8;

  /** {@code _IOC_SIZEBITS}. */
  static final int SIZE_BITS = 14;

  /** {@code _IOC_NRSHIFT}. */
  static final int NR_SHIFT = 0;

  /** {@code _IOC_TYPESHIFT}. */
  static final int TYPE_SHIFT = NR_SHIFT + NR_BITS;

  /** {@code _IOC_SIZESHIFT}. */
  static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;

  /** {@code _IOC_DIRSHIFT}. */
  static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;

  /** {@code _IOC_WRITE | _IOC_READ}: the caller writes the argument and the driver writes back. */
  static final int DIR_READ_WRITE = 1 | 2;

  /** Operation not permitted. */
  public static final int EPERM = 1;

  /** No such file or directory. */
  public static final int ENOENT = 2;

  /** Input/output error: the guest drivers' answer when the firmware or host refused. */
  public static final int EIO = 5;

  /** No such device or address. */
  public static final int ENXIO = 6;

  /** Try again. */
  public static final int EAGAIN = 11;

  /** Out of memory. */
  public static final int ENOMEM = 12;

  /** Permission denied. */
  public static final int EACCES = 13;

  /** Bad address. */
  public static final int EFAULT = 14;

  /** Device or resource busy. */
  public static final int EBUSY = 16;

  /** No such device. */
  public static final int ENODEV = 19;

  /** Is a directory. */
  public static final int EISDIR = 21;

  /** Invalid argument. */
  public static final int EINVAL = 22;

  /** Inappropriate ioctl for device: not the driver that knows this request. */
  public static final int ENOTTY = 25;

  /** Operation not supported. */
  public static final int EOPNOTSUPP = 95;

  private Ioctl() {}

  /**
   * {@code _IOWR(type, nr, size)}: a request whose argument the caller writes and the driver fills
   * in.
   *
   * @param type the driver's letter, e.g. {@code 'S'} for sev-guest
   * @param nr the request's number within the driver
   * @param size {@code sizeof} the argument structure (below 16 KiB)
   * @return the request number
   */
  public static long iowr(char type, int nr, int size) {
    if (type > 0xff || nr < 0 || nr > 0xff || size < 0 || size >= 1 << SIZE_BITS) {
      throw new IllegalArgumentException("ioctl fields out of range");
    }
    return ((long) DIR_READ_WRITE << DIR_SHIFT)
        | ((long) size << SIZE_SHIFT)
        | ((long) type << TYPE_SHIFT)
        | ((long) nr << NR_SHIFT);
  }

  /**
   * An errno's name and meaning.
   *
   * @param errno the value
   * @return e.g. {@code EIO (errno 5, input/output error)}
   */
  public static String describeErrno(int errno) {
    String[] n =
        switch (errno) {
          case EPERM -> new String[] {"EPERM", "operation not permitted"};
          case ENOENT -> new String[] {"ENOENT", "no such file or directory"};
          case EIO -> new String[] {"EIO", "input/output error"};
          case ENXIO -> new String[] {"ENXIO", "no such device or address"};
          case EAGAIN -> new String[] {"EAGAIN", "try again"};
          case ENOMEM -> new String[] {"ENOMEM", "out of memory"};
          case EACCES -> new String[] {"EACCES", "permission denied"};
          case EFAULT -> new String[] {"EFAULT", "bad address"};
          case EBUSY -> new String[] {"EBUSY", "device or resource busy"};
          case ENODEV -> new String[] {"ENODEV", "no such device"};
          case EISDIR -> new String[] {"EISDIR", "is a directory"};
          case EINVAL -> new String[] {"EINVAL", "invalid argument"};
          case ENOTTY -> new String[] {"ENOTTY", "inappropriate ioctl for device"};
          case EOPNOTSUPP -> new String[] {"EOPNOTSUPP", "operation not supported"};
          default -> null;
        };
    return n == null
        ? "errno " + errno
        : String.format(Locale.ROOT, "%s (errno %d, %s)", n[0], errno, n[1]);
  }
}
