package ai.cocos.tee.snp.internal;

import ai.cocos.attestation.guest.GuestDevice;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.guest.IoctlException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sev-guest driver's report requests as {@code drivers/virt/coco/sev-guest/sev-guest.c} handles
 * them, over buffers at made-up addresses, with a firmware the test supplies: it reads the request
 * structures at the addresses the caller put into them, checks what the driver checks (message
 * version, certificate buffer size), and writes the response, the certificate table and exitinfo2
 * as the driver does. What this machine lacks is the driver; the report bytes are real. Written
 * from the header's layout, with offsets spelled out independently of {@link SevGuest}.
 */
public final class FakeSevGuest implements GuestDevices {
  /** A request the driver received. */
  public record Seen(long request, int msgVersion, byte[] userData, int vmpl, long certsLength) {}

  /** What the firmware and host answer. */
  public record Answer(byte[] report, byte[] certificateTable, long exitInfo2) {
    /** A successful answer. */
    public static Answer ok(byte[] report, byte[] table) {
      return new Answer(report, table, 0);
    }

    /** A refusal: the driver returns EIO with this exitinfo2. */
    public static Answer refused(long exitInfo2) {
      return new Answer(null, null, exitInfo2);
    }
  }

  /** The platform behind the driver. */
  @FunctionalInterface
  public interface Firmware {
    /** Answers a request. */
    Answer answer(byte[] userData, int vmpl);
  }

  /** Requests the driver received, in order. */
  public final List<Seen> seen = new CopyOnWriteArrayList<>();

  private final Firmware firmware;
  private final boolean extended;

  /**
   * A driver.
   *
   * @param firmware what answers
   * @param extended whether SNP_GET_EXT_REPORT is served (else ENOTTY, as a driver without it)
   */
  public FakeSevGuest(Firmware firmware, boolean extended) {
    this.firmware = firmware;
    this.extended = extended;
  }

  @Override
  public GuestDevice open(Path device) throws IOException {
    if (!Files.exists(device)) {
      throw new NoSuchFileException(device.toString());
    }
    return new Device(device);
  }

  private final class Device implements GuestDevice {
    private final Path path;
    private final Map<Long, Heap> buffers = new HashMap<>();
    private long next = 0x7f12_3400_0000L;

    Device(Path path) {
      this.path = path;
    }

    @Override
    public Path path() {
      return path;
    }

    @Override
    public Buffer allocate(int size) {
      Heap h = new Heap(next, new byte[size]);
      buffers.put(next, h);
      next += 0x10000;
      return h;
    }

    private byte[] at(long address, int size) throws IoctlException {
      Heap h = buffers.get(address);
      if (h == null || h.bytes.length < size) {
        throw new IoctlException(path, 0, Ioctl.EFAULT);
      }
      return h.bytes;
    }

    @Override
    public void ioctl(long request, Buffer argument) throws IoctlException {
      boolean ext = request == 0xC0205302L;
      if (request != 0xC0205300L && !ext) {
        throw new IoctlException(path, request, Ioctl.ENOTTY);
      }
      if (ext && !extended) {
        throw new IoctlException(path, request, Ioctl.ENOTTY);
      }
      byte[] arg = ((Heap) argument).bytes;
      ByteBuffer a = ByteBuffer.wrap(arg).order(ByteOrder.LITTLE_ENDIAN);
      if (arg.length != 32) {
        throw new IoctlException(path, request, Ioctl.EFAULT);
      }
      int version = arg[0] & 0xff;
      long reqAddress = a.getLong(8);
      long respAddress = a.getLong(16);
      a.putLong(24, 0);
      if (version == 0) {
        throw new IoctlException(path, request, Ioctl.EINVAL);
      }
      byte[] req = at(reqAddress, ext ? 112 : 96);
      byte[] resp = at(respAddress, 4000);
      ByteBuffer r = ByteBuffer.wrap(req).order(ByteOrder.LITTLE_ENDIAN);
      byte[] userData = Arrays.copyOfRange(req, 0, 64);
      int vmpl = r.getInt(64);
      long certsAddress = ext ? r.getLong(96) : 0;
      long certsLength = ext ? Integer.toUnsignedLong(r.getInt(104)) : 0;
      seen.add(new Seen(request, version, userData, vmpl, certsLength));
      if (ext && (certsLength % 4096 != 0 || certsLength > 0x4000)) {
        throw new IoctlException(path, request, Ioctl.EINVAL);
      }
      Answer answer = firmware.answer(userData, vmpl);
      if (answer.exitInfo2() != 0) {
        a.putLong(24, answer.exitInfo2());
        throw new IoctlException(path, request, Ioctl.EIO);
      }
      if (ext && answer.certificateTable() != null) {
        if (answer.certificateTable().length > certsLength) {
          int pages = (answer.certificateTable().length + 4095) / 4096;
          r.putInt(104, pages * 4096);
          a.putLong(24, 1L << 32);
          throw new IoctlException(path, request, Ioctl.EIO);
        }
        byte[] certs = at(certsAddress, (int) certsLength);
        System.arraycopy(answer.certificateTable(), 0, certs, 0, answer.certificateTable().length);
      }
      ByteBuffer o = ByteBuffer.wrap(resp).order(ByteOrder.LITTLE_ENDIAN);
      o.putInt(0, 0);
      o.putInt(4, answer.report().length);
      System.arraycopy(answer.report(), 0, resp, 0x20, answer.report().length);
    }

    @Override
    public void close() {
      buffers.clear();
    }
  }

  private static final class Heap implements GuestDevice.Buffer {
    final long address;
    final byte[] bytes;

    Heap(long address, byte[] bytes) {
      this.address = address;
      this.bytes = bytes;
    }

    @Override
    public long address() {
      return address;
    }

    @Override
    public int size() {
      return bytes.length;
    }

    @Override
    public void write(int offset, byte[] b) {
      System.arraycopy(b, 0, bytes, offset, b.length);
    }

    @Override
    public byte[] read(int offset, int length) {
      return Arrays.copyOfRange(bytes, offset, offset + length);
    }
  }
}
