package ai.cocos.tee.vtpm.internal;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PCR values as JSON, {@code {"sha256": {"0": "<hex>", ...}, ...}}: the form the vectors' {@code
 * pcrs.json} and this provider's gathered evidence use. Banks are {@code sha1}, {@code sha256},
 * {@code sha384}, {@code sha512}; indexes 0 to 23; every value exactly the bank's digest size.
 */
public final class PcrValues {
  private static final HexFormat HEX = HexFormat.of();

  /** Decoded documents by content: a platform's PCRs repeat from quote to quote. */
  private static final ContentCache<Map<Integer, Map<Integer, byte[]>>> CACHE =
      new ContentCache<>(256);

  private PcrValues() {}

  /**
   * Parses the JSON, reusing the result for identical bytes. The result is unmodifiable and its
   * arrays must not be written to.
   *
   * @param json the document
   * @return values by bank and index
   * @throws MalformedException naming the bank or index that is wrong
   */
  static Map<Integer, Map<Integer, byte[]>> parseCached(byte[] json) throws MalformedException {
    return CACHE.get(json, PcrValues::parseUnmodifiable);
  }

  private static Map<Integer, Map<Integer, byte[]>> parseUnmodifiable(byte[] json)
      throws MalformedException {
    Map<Integer, Map<Integer, byte[]>> out = new LinkedHashMap<>();
    parse(json).forEach((k, v) -> out.put(k, Map.copyOf(v)));
    return Map.copyOf(out);
  }

  /**
   * Parses the JSON.
   *
   * @param json the document
   * @return values by bank (TPM_ALG_ID) and index
   * @throws MalformedException naming the bank or index that is wrong
   */
  public static Map<Integer, Map<Integer, byte[]>> parse(byte[] json) throws MalformedException {
    Object root = Json.parse(json, "pcrs");
    if (!(root instanceof Map<?, ?> banks) || banks.isEmpty()) {
      throw new MalformedException("pcrs: expected {\"<bank>\": {\"<index>\": \"<hex>\"}}");
    }
    Map<Integer, Map<Integer, byte[]>> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> b : banks.entrySet()) {
      String bank = String.valueOf(b.getKey());
      int alg = TpmAlg.hashOf(bank);
      if (alg < 0) {
        throw new MalformedException("pcrs: unknown bank \"" + bank + "\"");
      }
      if (out.containsKey(alg)) {
        throw new MalformedException("pcrs: bank " + bank + " appears twice");
      }
      Map<Integer, byte[]> values = new TreeMap<>();
      if (b.getValue() instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
          values.put(index(bank, String.valueOf(e.getKey())), value(bank, alg, e.getValue()));
        }
      } else if (b.getValue() instanceof List<?> l && l.size() <= TcgEventLog.PCR_COUNT) {
        // Azure's tooling writes the bank as an array of all PCRs, index = position.
        for (int i = 0; i < l.size(); i++) {
          values.put(i, value(bank, alg, l.get(i)));
        }
      } else {
        throw new MalformedException("pcrs." + bank + ": expected an object of index to hex");
      }
      out.put(alg, values);
    }
    return out;
  }

  private static int index(String bank, String key) throws MalformedException {
    int n = key.length() == 1 || (key.length() == 2 && key.charAt(0) != '0') ? parseIndex(key) : -1;
    if (n < 0 || n >= TcgEventLog.PCR_COUNT) {
      throw new MalformedException("pcrs." + bank + ": \"" + key + "\" is not a PCR index 0-23");
    }
    return n;
  }

  private static int parseIndex(String key) {
    int n = 0;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static byte[] value(String bank, int alg, Object v) throws MalformedException {
    if (!(v instanceof String s)) {
      throw new MalformedException("pcrs." + bank + ": values must be hex strings");
    }
    byte[] b;
    try {
      b = HEX.parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new MalformedException("pcrs." + bank + ": \"" + s + "\" is not hex");
    }
    if (b.length != TpmAlg.digestSize(alg)) {
      throw new MalformedException(
          "pcrs."
              + bank
              + ": a value of "
              + b.length
              + " bytes, the bank's digests have "
              + TpmAlg.digestSize(alg));
    }
    return b;
  }

  /**
   * Writes the JSON.
   *
   * @param pcrs values by bank and index
   * @return the document, UTF-8
   */
  public static byte[] write(Map<Integer, Map<Integer, byte[]>> pcrs) {
    StringBuilder sb = new StringBuilder("{");
    boolean firstBank = true;
    for (Map.Entry<Integer, Map<Integer, byte[]>> b : pcrs.entrySet()) {
      sb.append(firstBank ? "" : ",")
          .append("\n  \"")
          .append(TpmAlg.bankName(b.getKey()))
          .append("\": {");
      boolean first = true;
      for (Map.Entry<Integer, byte[]> e : new TreeMap<>(b.getValue()).entrySet()) {
        sb.append(first ? "" : ",")
            .append("\n    \"")
            .append(e.getKey())
            .append("\": \"")
            .append(HEX.formatHex(e.getValue()))
            .append('"');
        first = false;
      }
      sb.append("\n  }");
      firstBank = false;
    }
    return sb.append("\n}\n").toString().getBytes(StandardCharsets.UTF_8);
  }
}
