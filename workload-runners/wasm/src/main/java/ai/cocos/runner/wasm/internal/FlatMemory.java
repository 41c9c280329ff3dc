package ai.cocos.runner.wasm.internal;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A module's linear memory as one Java array, with one bounds check per access.
 *
 * <p>Chicory's own memories split memory into 64 KiB pages (one array each), so every load or store
 * first finds its page: a shift, a mask, an extra array load and a test for accesses that straddle
 * two pages. That costs memory-heavy code about 2x against V8 (see {@code bench/wasm-vs-node}).
 * Here an access is one little-endian {@link VarHandle} view of a single array, behind one unsigned
 * compare against the memory's current size.
 *
 * <p>The array grows geometrically (capped at the maximum), so a module that grows its memory page
 * by page copies it a logarithmic number of times, not once per page; the explicit bound, not the
 * array's length, is what the module may touch. A Java array holds at most 2 GiB, so this memory
 * serves non-shared memories whose maximum is below 32768 pages; {@link WasmEngine} picks Chicory's
 * paged memory for the others.
 */
final class FlatMemory implements Memory {
  /** Bytes in a page of linear memory (WebAssembly core specification §2.3.8). */
  static final int PAGE_SIZE = 65536;

  /** The most pages one Java array can hold. */
  static final int MAX_FLAT_PAGES = 32767;

  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOAT =
      MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle DOUBLE =
      MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

  private final MemoryLimits limits;
  private byte[] bytes;
  private int size;
  private DataSegment[] dataSegments;

  /**
   * Creates the memory at its initial size.
   *
   * @param limits initial and maximum pages; not shared, maximum at most {@link #MAX_FLAT_PAGES}
   */
  FlatMemory(MemoryLimits limits) {
    if (limits.shared() || limits.maximumPages() > MAX_FLAT_PAGES) {
      throw new IllegalArgumentException("a flat memory is unshared and below 2 GiB: " + limits);
    }
    this.limits = limits;
    this.size = limits.initialPages() * PAGE_SIZE;
    this.bytes = new byte[size];
  }

  /** Whether a memory with these limits can be flat. */
  static boolean fits(MemoryLimits limits) {
    return !limits.shared() && limits.maximumPages() <= MAX_FLAT_PAGES;
  }

  // ---- bounds -------------------------------------------------------------------------------

  /** Fails unless {@code [addr, addr + width)} lies in the memory; {@code addr} is unsigned. */
  private int check(int addr, int width) {
    // An address at or above 2^31 is negative here and, as unsigned, beyond any flat memory.
    if (Integer.compareUnsigned(addr, size - width) > 0 || size < width) {
      throw outOfBounds(addr, width);
    }
    return addr;
  }

  private WasmRuntimeException outOfBounds(int addr, int width) {
    return new WasmRuntimeException(
        "out of bounds memory access: attempted to access address: "
            + Integer.toUnsignedString(addr)
            + " but limit is: "
            + size
            + " and size: "
            + width);
  }

  private void checkRange(int addr, int length, int limit, boolean instantiating) {
    if (addr < 0 || length < 0 || addr > limit || (length > 0 && addr + length > limit)) {
      String message =
          "out of bounds memory access: attempted to access address: "
              + addr
              + " but limit is: "
              + limit
              + " and size: "
              + length;
      throw instantiating
          ? new UninstantiableException(message)
          : new WasmRuntimeException(message);
    }
  }

  // ---- size ---------------------------------------------------------------------------------

  @Override
  public int pages() {
    return size / PAGE_SIZE;
  }

  @Override
  public int grow(int delta) {
    int before = pages();
    int after = before + delta;
    if (delta < 0 || after > maximumPages() || after < before) {
      return -1;
    }
    int newSize = after * PAGE_SIZE;
    if (newSize > bytes.length) {
      long doubled = Math.max((long) newSize, 2L * bytes.length);
      long cap = (long) maximumPages() * PAGE_SIZE;
      try {
        bytes = Arrays.copyOf(bytes, (int) Math.min(doubled, cap));
      } catch (OutOfMemoryError e) {
        try {
          bytes = Arrays.copyOf(bytes, newSize);
        } catch (OutOfMemoryError again) {
          return -1; // the module sees a failed memory.grow (malloc returns NULL)
        }
      }
    }
    size = newSize;
    return before;
  }

  @Override
  public int initialPages() {
    return limits.initialPages();
  }

  @Override
  public int maximumPages() {
    return Math.min(limits.maximumPages(), MAX_FLAT_PAGES);
  }

  @Override
  public boolean shared() {
    return false;
  }

  // ---- data segments ------------------------------------------------------------------------

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments) {
    initialize(instance, dataSegments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] dataSegments, int memoryIndex) {
    this.dataSegments = dataSegments;
    if (dataSegments == null) {
      return;
    }
    for (DataSegment s : dataSegments) {
      if (s instanceof ActiveDataSegment segment && segment.index() == memoryIndex) {
        int offset =
            (int)
                ConstantEvaluators.computeConstantValue(instance, segment.offsetInstructions())[0];
        byte[] data = segment.data();
        checkRange(offset, data.length, size, true);
        System.arraycopy(data, 0, bytes, offset, data.length);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int length) {
    write(dest, dataSegments[segmentId].data(), offset, length);
  }

  @Override
  public void drop(int segment) {
    dataSegments[segment] = PassiveDataSegment.EMPTY;
  }

  // ---- bulk ---------------------------------------------------------------------------------

  @Override
  public void write(int addr, byte[] data, int offset, int length) {
    checkRange(offset, length, data.length, false);
    checkRange(addr, length, size, false);
    System.arraycopy(data, offset, bytes, addr, length);
  }

  @Override
  public byte[] readBytes(int addr, int length) {
    checkRange(addr, length, size, false);
    return Arrays.copyOfRange(bytes, addr, addr + length);
  }

  @Override
  public void zero() {
    Arrays.fill(bytes, 0, size, (byte) 0);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    checkRange(fromIndex, toIndex - fromIndex, size, false);
    Arrays.fill(bytes, fromIndex, toIndex, value);
  }

  @Override
  public void copy(int dest, int src, int length) {
    checkRange(dest, length, size, false);
    checkRange(src, length, size, false);
    System.arraycopy(bytes, src, bytes, dest, length); // handles overlap like memmove
  }

  @Override
  public String readString(int addr, int len) {
    return new String(readBytes(addr, len), StandardCharsets.UTF_8);
  }

  // ---- loads and stores ---------------------------------------------------------------------

  @Override
  public byte read(int addr) {
    return bytes[check(addr, 1)];
  }

  @Override
  public void writeByte(int addr, byte data) {
    bytes[check(addr, 1)] = data;
  }

  @Override
  public short readShort(int addr) {
    return (short) SHORT.get(bytes, check(addr, 2));
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xFFFFL;
  }

  @Override
  public void writeShort(int addr, short data) {
    SHORT.set(bytes, check(addr, 2), data);
  }

  @Override
  public int readInt(int addr) {
    return (int) INT.get(bytes, check(addr, 4));
  }

  @Override
  public void writeI32(int addr, int data) {
    INT.set(bytes, check(addr, 4), data);
  }

  @Override
  public long readLong(int addr) {
    return (long) LONG.get(bytes, check(addr, 8));
  }

  @Override
  public void writeLong(int addr, long data) {
    LONG.set(bytes, check(addr, 8), data);
  }

  @Override
  public float readFloat(int addr) {
    return (float) FLOAT.get(bytes, check(addr, 4));
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr);
  }

  @Override
  public void writeF32(int addr, float data) {
    FLOAT.set(bytes, check(addr, 4), data);
  }

  @Override
  public double readDouble(int addr) {
    return (double) DOUBLE.get(bytes, check(addr, 8));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public void writeF64(int addr, double data) {
    DOUBLE.set(bytes, check(addr, 8), data);
  }

  // ---- threads: not part of WASI preview 1, whose modules are single-threaded ---------------

  /** The monitor Chicory's default atomic operations synchronise on (uncontended here). */
  @Override
  @SuppressWarnings("removal")
  public Object lock(int address) {
    return this;
  }

  @Override
  @SuppressWarnings("removal")
  public int waitOn(int address, int expected, long timeout) {
    throw new WasmRuntimeException("memory.atomic.wait needs a shared memory");
  }

  @Override
  @SuppressWarnings("removal")
  public int waitOn(int address, long expected, long timeout) {
    throw new WasmRuntimeException("memory.atomic.wait needs a shared memory");
  }

  @Override
  @SuppressWarnings("removal")
  public int notify(int address, int maxThreads) {
    return 0; // no thread can wait on an unshared memory
  }
}
