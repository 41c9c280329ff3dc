package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.guest.GuestDevice;
import ai.cocos.attestation.guest.GuestDevices;
import ai.cocos.attestation.guest.Ioctl;
import ai.cocos.attestation.guest.IoctlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The tdx-guest driver's {@code TDX_CMD_GET_REPORT0} as {@code drivers/virt/coco/tdx-guest} serves
 * it: reads 64 bytes of report data from the start of the argument and writes the 1024-byte
 * TDREPORT after them. The TDREPORT comes from the test (a real one from the vectors); what this
 * machine lacks is the TDX module. Offsets spelled out here independently of {@link TdxGuest}.
 */
public final class FakeTdxGuest implements GuestDevices {
  /** The report data of each request, in order. */
  public final List<byte[]> requests = new CopyOnWriteArrayList<>();

  private final Function<byte[], byte[]> module;

  /**
   * A driver.
   *
   * @param module the TDREPORT for given report data
   */
  public FakeTdxGuest(Function<byte[], byte[]> module) {
    this.module = module;
  }

  @Override
  public GuestDevice open(Path device) throws IOException {
    if (!Files.exists(device)) {
      throw new NoSuchFileException(device.toString());
    }
    return new GuestDevice() {
      private byte[] arg;

      @Override
      public Path path() {
        return device;
      }

      @Override
      public Buffer allocate(int size) {
        byte[] b = new byte[size];
        arg = b;
        return new Buffer() {
          @Override
          public long address() {
            return 0x7f00_0000_1000L;
          }

          @Override
          public int size() {
            return b.length;
          }

          @Override
          public void write(int offset, byte[] bytes) {
            System.arraycopy(bytes, 0, b, offset, bytes.length);
          }

          @Override
          public byte[] read(int offset, int length) {
            return Arrays.copyOfRange(b, offset, offset + length);
          }
        };
      }

      @Override
      public void ioctl(long request, Buffer argument) throws IoctlException {
        if (request != 0xC4405401L) {
          throw new IoctlException(device, request, Ioctl.ENOTTY);
        }
        if (arg.length != 64 + 1024) {
          throw new IoctlException(device, request, Ioctl.EFAULT);
        }
        byte[] data = Arrays.copyOfRange(arg, 0, 64);
        requests.add(data);
        byte[] report = module.apply(data);
        if (report == null) {
          throw new IoctlException(device, request, Ioctl.EIO);
        }
        System.arraycopy(report, 0, arg, 64, 1024);
      }

      @Override
      public void close() {}
    };
  }
}
