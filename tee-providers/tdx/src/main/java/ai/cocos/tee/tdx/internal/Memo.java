package ai.cocos.tee.tdx.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small, thread-safe, bounded LRU map keyed by byte contents, for results that depend only on the
 * bytes (parsed certificates and collateral, verified signatures). Never holds failures and never
 * anything that depends on the verification time.
 *
 * @param <V> the remembered value
 */
final class Memo<V> {
  private final Map<Key, V> map;

  Memo(int capacity) {
    this.map =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, V> e) {
            return size() > capacity;
          }
        };
  }

  synchronized V get(byte[]... parts) {
    return map.get(new Key(parts, false));
  }

  synchronized void put(byte[] key, V value) {
    map.put(new Key(new byte[][] {key}, true), value);
  }

  synchronized void put(byte[][] parts, V value) {
    map.put(new Key(parts, true), value);
  }

  synchronized void clear() {
    map.clear();
  }

  /** Content key over one or more byte arrays (copied when stored, so callers may reuse theirs). */
  private static final class Key {
    private final byte[][] parts;
    private final int hash;

    Key(byte[][] parts, boolean copy) {
      this.parts = new byte[parts.length][];
      int h = 1;
      for (int i = 0; i < parts.length; i++) {
        this.parts[i] = copy ? parts[i].clone() : parts[i];
        h = 31 * h + sampledHash(parts[i]);
      }
      this.hash = h;
    }

    /**
     * A hash over the length and at most 64 bytes spread over the array: keys are often whole
     * collateral documents (tens of KiB), and equality is decided by {@link #equals} anyway.
     */
    private static int sampledHash(byte[] b) {
      int h = b.length;
      int step = Math.max(1, b.length / 64);
      for (int i = 0; i < b.length; i += step) {
        h = 31 * h + b[i];
      }
      return h;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.deepEquals(parts, k.parts);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
