package ai.cocos.attestation.guest;

import ai.cocos.attestation.internal.JnaGuestDevices;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens guest devices. Providers take this as a parameter so that tests can stand in for a kernel
 * driver that this machine does not have; production code uses {@link #linux()}.
 */
@FunctionalInterface
public interface GuestDevices {
  /**
   * Opens a device for reading and writing.
   *
   * @param device the device node, e.g. {@code /dev/sev-guest}
   * @return the open device
   * @throws java.nio.file.NoSuchFileException if it does not exist
   * @throws java.nio.file.AccessDeniedException if this process may not open it
   * @throws IOException naming the errno for any other failure
   */
  GuestDevice open(Path device) throws IOException;

  /**
   * The real devices, through the C library's {@code open(2)} and {@code ioctl(2)}, called with
   * JNA. JNA is looked up on the first {@link #open}: without it (an assembly that does not ship
   * the {@code com.sun.jna} bundle), {@code open} fails saying so, and nothing else is affected.
   *
   * @return the Linux implementation
   */
  static GuestDevices linux() {
    return device -> {
      try {
        return JnaGuestDevices.INSTANCE.open(device);
      } catch (LinkageError e) {
        throw new IOException(
            "cannot call the C library to open "
                + device
                + ": JNA is not available ("
                + e
                + "); the agent assembly ships it as the com.sun.jna bundle",
            e);
      }
    };
  }
}
