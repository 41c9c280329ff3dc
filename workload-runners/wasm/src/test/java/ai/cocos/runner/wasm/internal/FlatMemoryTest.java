package ai.cocos.runner.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link FlatMemory} against Chicory's own {@link ByteArrayMemory}: the same operations give the
 * same values, and fail at exactly the same addresses, including every edge of the memory.
 */
class FlatMemoryTest {
  private static final int PAGE = FlatMemory.PAGE_SIZE;

  @Test
  void behavesLikeChicorysMemoryUnderRandomLoadsStoresAndGrowth() {
    Random random = new Random(42);
    MemoryLimits limits = new MemoryLimits(1, 8);
    Memory flat = new FlatMemory(limits);
    Memory paged = new ByteArrayMemory(limits);
    for (int step = 0; step < 200_000; step++) {
      int size = paged.pages() * PAGE;
      // Mostly inside, sometimes at the edges, sometimes far out (as unsigned addresses).
      int addr =
          switch (random.nextInt(10)) {
            case 0 -> size - random.nextInt(9);
            case 1 -> random.nextInt();
            case 2 -> PAGE - random.nextInt(8); // straddles a page boundary
            default -> random.nextInt(size);
          };
      int op = random.nextInt(14);
      if (op == 13) {
        assertEquals(paged.grow(1), flat.grow(1), "grow at step " + step);
        assertEquals(paged.pages(), flat.pages());
        continue;
      }
      long value = random.nextLong();
      Object expected = apply(paged, op, addr, value);
      Object actual = apply(flat, op, addr, value);
      assertEquals(expected, actual, "op " + op + " at " + Integer.toUnsignedString(addr));
    }
    assertArrayEquals(
        paged.readBytes(0, paged.pages() * PAGE), flat.readBytes(0, flat.pages() * PAGE));
  }

  /** One operation; returns what it read, {@code "ok"} for a store, or {@code "trap"}. */
  private static Object apply(Memory m, int op, int addr, long v) {
    try {
      return switch (op) {
        case 0 -> m.read(addr);
        case 1 -> m.readShort(addr);
        case 2 -> m.readInt(addr);
        case 3 -> m.readLong(addr);
        case 4 -> Float.floatToRawIntBits(m.readFloat(addr));
        case 5 -> Double.doubleToRawLongBits(m.readDouble(addr));
        case 6 -> m.readU16(addr);
        case 7 -> store(() -> m.writeByte(addr, (byte) v));
        case 8 -> store(() -> m.writeShort(addr, (short) v));
        case 9 -> store(() -> m.writeI32(addr, (int) v));
        case 10 -> store(() -> m.writeLong(addr, v));
        case 11 -> store(() -> m.writeF32(addr, Float.intBitsToFloat((int) v)));
        case 12 -> store(() -> m.writeF64(addr, Double.longBitsToDouble(v)));
        default -> throw new IllegalArgumentException("op " + op);
      };
    } catch (WasmRuntimeException e) {
      assertTrue(e.getMessage().startsWith("out of bounds memory access"), e.getMessage());
      return "trap";
    }
  }

  private static String store(Runnable r) {
    r.run();
    return "ok";
  }

  @Test
  void growStopsAtTheMaximumAndKeepsTheContent() {
    FlatMemory m = new FlatMemory(new MemoryLimits(1, 3));
    m.writeI32(PAGE - 4, 0x12345678);
    assertEquals(1, m.grow(1));
    assertEquals(2, m.grow(1));
    assertEquals(-1, m.grow(1));
    assertEquals(-1, m.grow(-1));
    assertEquals(3, m.pages());
    assertEquals(0x12345678, m.readInt(PAGE - 4));
    m.writeLong(3 * PAGE - 8, -1L);
    assertThrows(WasmRuntimeException.class, () -> m.readLong(3 * PAGE - 7));
  }

  @Test
  void spareCapacityBeyondTheCurrentSizeIsNeverReachable() {
    FlatMemory m = new FlatMemory(new MemoryLimits(1, 64));
    m.grow(1); // two pages visible, array grown to hold more
    m.grow(1); // three pages visible: the array (doubled) holds four
    m.writeByte(3 * PAGE - 1, (byte) 7);
    assertThrows(WasmRuntimeException.class, () -> m.read(3 * PAGE));
    assertThrows(WasmRuntimeException.class, () -> m.writeByte(3 * PAGE, (byte) 1));
    assertThrows(WasmRuntimeException.class, () -> m.readBytes(3 * PAGE - 1, 2));
    assertThrows(WasmRuntimeException.class, () -> m.fill((byte) 1, 0, 3 * PAGE + 1));
    assertThrows(WasmRuntimeException.class, () -> m.copy(3 * PAGE - 4, 0, 8));
  }

  @Test
  void anEmptyMemoryTrapsOnEveryAccess() {
    FlatMemory m = new FlatMemory(new MemoryLimits(0, 1));
    assertThrows(WasmRuntimeException.class, () -> m.read(0));
    assertThrows(WasmRuntimeException.class, () -> m.readLong(0));
    assertEquals(0, m.grow(1));
    assertEquals(0, m.readLong(0));
  }

  @Test
  void copyHandlesOverlapLikeMemmove() {
    FlatMemory m = new FlatMemory(new MemoryLimits(1, 1));
    m.write(0, new byte[] {1, 2, 3, 4, 5});
    m.copy(1, 0, 4);
    assertArrayEquals(new byte[] {1, 1, 2, 3, 4}, m.readBytes(0, 5));
    m.copy(0, 1, 4);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 4}, m.readBytes(0, 5));
  }

  @Test
  void onlyUnsharedMemoriesBelowTwoGibibytesAreFlat() {
    assertTrue(FlatMemory.fits(new MemoryLimits(1, 32767)));
    assertFalse(FlatMemory.fits(new MemoryLimits(1, 32768)));
    assertFalse(FlatMemory.fits(new MemoryLimits(1, 16, true)));
    Function<Integer, Memory> engine = max -> WasmEngine.memory(new MemoryLimits(1, 65536), max);
    assertTrue(engine.apply(RunnerSettings.pages(2047)) instanceof FlatMemory);
    assertTrue(engine.apply(RunnerSettings.pages(2048)) instanceof ByteArrayMemory);
    assertEquals(RunnerSettings.pages(256), engine.apply(RunnerSettings.pages(256)).maximumPages());
  }
}
