package ai.cocos.tee.vtpm.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers what was decoded from exact input bytes (PCR documents, AK public areas and
 * certificates, verified chains), so that verifying the same platform again — the common case: one
 * machine's AK and chain, fresh quotes — re-does only what changed. Keys are the full input bytes
 * compared by content, never a hash of them; values must be immutable. Bounded (least recently used
 * first out) and thread-safe. Signatures over quotes are never cached.
 *
 * @param <V> the decoded value
 */
final class ContentCache<V> {
  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private final Map<Key, V> map;

  ContentCache(int capacity) {
    this.map =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, V> e) {
            return size() > capacity;
          }
        };
  }

  /** Decoding that may fail. */
  interface Decoder<V> {
    V decode(byte[] bytes) throws MalformedException;
  }

  /** The cached value for exactly these bytes, decoding (outside the lock) on a miss. */
  V get(byte[] bytes, Decoder<V> decoder) throws MalformedException {
    synchronized (map) {
      V v = map.get(new Key(bytes));
      if (v != null) {
        return v;
      }
    }
    byte[] copy = bytes.clone();
    V v = decoder.decode(copy);
    synchronized (map) {
      map.put(new Key(copy), v);
    }
    return v;
  }

  /** A lookup without decoding. */
  V peek(byte[] bytes) {
    synchronized (map) {
      return map.get(new Key(bytes));
    }
  }

  /** Stores a value. */
  void put(byte[] bytes, V value) {
    synchronized (map) {
      map.put(new Key(bytes.clone()), value);
    }
  }

  private static final class Key {
    final byte[] bytes;
    final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      this.hash = sampledHash(bytes);
    }

    /**
     * A hash of the length and up to 64 words spread over the content: cheap for large inputs, and
     * a collision only costs a full comparison ({@link Arrays#equals} decides).
     */
    private static int sampledHash(byte[] b) {
      int h = b.length;
      if (b.length < 8) {
        return 31 * h + Arrays.hashCode(b);
      }
      int step = Math.max(1, (b.length - 8) / 63);
      for (int i = 0; i + 8 <= b.length; i += step) {
        long w = (long) LONGS.get(b, i);
        h = 31 * h + (int) (w ^ (w >>> 32));
      }
      long last = (long) LONGS.get(b, b.length - 8);
      return 31 * h + (int) (last ^ (last >>> 32));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
