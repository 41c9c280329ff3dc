package ai.cocos.attestation.internal;

import ai.cocos.attestation.guest.GuestDevice;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.guest.IoctlException;
import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GuestDevices} through the C library, called with JNA: {@code open(2)} with {@code O_RDWR |
 * O_CLOEXEC}, {@code ioctl(2)} and {@code close(2)}; errno comes back as JNA's {@link
 * LastErrorException}. The native library is loaded on the first {@link #open}, never when the
 * bundle starts; this class is loaded only through {@link GuestDevices#linux()}'s first call.
 */
public final class JnaGuestDevices implements GuestDevices {
  /** The one instance. */
  public static final JnaGuestDevices INSTANCE = new JnaGuestDevices();

  /** {@code O_RDWR} (asm-generic/fcntl.h). */
  static final int O_RDWR = 02;

  /** {@code O_CLOEXEC} (asm-generic/fcntl.h): a runner's process must not inherit the device. */
  static final int O_CLOEXEC = 02000000;

  /** The C library functions used. */
  interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Pointer argument) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** Loaded on first use (holder idiom): JNA unpacks and loads its native part then. */
  private static final class C {
    static final LibC LIB = Native.load("c", LibC.class);
  }

  private JnaGuestDevices() {}

  @Override
  public GuestDevice open(Path device) throws IOException {
    int fd;
    try {
      fd = C.LIB.open(device.toString(), O_RDWR | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw switch (e.getErrorCode()) {
        case Ioctl.ENOENT -> new NoSuchFileException(device.toString());
        case Ioctl.EACCES, Ioctl.EPERM ->
            new AccessDeniedException(device.toString(), null, "open needs root");
        default ->
            new IOException(
                "cannot open " + device + ": " + Ioctl.describeErrno(e.getErrorCode()), e);
      };
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new IOException(
          "cannot call the C library to open " + device + " (JNA could not load: " + e + ")", e);
    }
    return new Open(device, fd);
  }

  private static final class Open implements GuestDevice {
    private final Path path;
    private final List<Memory> buffers = new ArrayList<>();
    private int fd;

    Open(Path path, int fd) {
      this.path = path;
      this.fd = fd;
    }

    @Override
    public Path path() {
      return path;
    }

    @Override
    public Buffer allocate(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("buffer size must be at least 1");
      }
      Memory m = new Memory(size);
      m.clear();
      buffers.add(m);
      return new NativeBuffer(m);
    }

    @Override
    public void ioctl(long request, Buffer argument) throws IoctlException {
      if (fd < 0) {
        throw new IllegalStateException(path + " is closed");
      }
      Memory m = ((NativeBuffer) argument).memory;
      try {
        C.LIB.ioctl(fd, new NativeLong(request), m);
      } catch (LastErrorException e) {
        throw new IoctlException(path, request, e.getErrorCode());
      }
    }

    @Override
    public void close() throws IOException {
      if (fd < 0) {
        return;
      }
      int f = fd;
      fd = -1;
      for (Memory m : buffers) {
        m.close();
      }
      buffers.clear();
      try {
        C.LIB.close(f);
      } catch (LastErrorException e) {
        throw new IOException("closing " + path + ": " + Ioctl.describeErrno(e.getErrorCode()));
      }
    }
  }

  private static final class NativeBuffer implements GuestDevice.Buffer {
    final Memory memory;

    NativeBuffer(Memory memory) {
      this.memory = memory;
    }

    @Override
    public long address() {
      return Pointer.nativeValue(memory);
    }

    @Override
    public int size() {
      return (int) memory.size();
    }

    @Override
    public void write(int offset, byte[] bytes) {
      memory.write(offset, bytes, 0, bytes.length);
    }

    @Override
    public byte[] read(int offset, int length) {
      return memory.getByteArray(offset, length);
    }
  }
}
