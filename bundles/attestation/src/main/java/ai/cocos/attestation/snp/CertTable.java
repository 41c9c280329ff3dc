package ai.cocos.attestation.snp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The certificate table an SEV-SNP guest receives with an extended report (SNP_GET_EXT_REPORT, or
 * configfs-tsm's {@code auxblob}): entries of a 16-byte GUID, a 4-byte offset and a 4-byte length
 * (little endian), ended by an all-zero entry, followed by the certificates (GHCB specification,
 * "SNP Extended Guest Request", certificate table format).
 */
public final class CertTable {
  /** GUID of the VCEK entry. */
  public static final String VCEK = "63da758d-e664-4564-adc5-f4b93be8accd";

  /** GUID of the VLEK entry. */
  public static final String VLEK = "a8074bc2-a25a-483e-aae6-39c045a0b8a1";

  /** GUID of the ASK entry. */
  public static final String ASK = "4ab7b379-bbac-4fe4-a02f-05aef327c782";

  /** GUID of the ARK entry. */
  public static final String ARK = "c0b406a4-a803-4952-9743-3fb6014cd0ae";

  private static final int ENTRY = 24;

  private CertTable() {}

  /**
   * Parses a table into attachment names ({@code vcek}, {@code vlek}, {@code ask}, {@code ark}) and
   * their DER bytes. Entries with other GUIDs are skipped.
   *
   * @param table the table bytes
   * @return name to certificate bytes
   * @throws SnpFormatException if an entry points outside the table or the end marker is missing
   */
  public static Map<String, byte[]> parse(byte[] table) throws SnpFormatException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; ; at += ENTRY) {
      if (at + ENTRY > table.length) {
        throw new SnpFormatException("certificate table has no all-zero end entry");
      }
      byte[] guid = Arrays.copyOfRange(table, at, at + 16);
      long off = Integer.toUnsignedLong(b.getInt(at + 16));
      long len = Integer.toUnsignedLong(b.getInt(at + 20));
      if (isZero(guid) && off == 0 && len == 0) {
        return out;
      }
      if (off + len > table.length || off < at + ENTRY) {
        throw new SnpFormatException(
            "certificate table entry " + at / ENTRY + " points outside the table");
      }
      String name = name(guid);
      if (name != null) {
        out.put(name, Arrays.copyOfRange(table, (int) off, (int) (off + len)));
      }
    }
  }

  /**
   * Builds a table (used by the emulated provider and tests).
   *
   * @param certs attachment name ({@code vcek}, {@code vlek}, {@code ask}, {@code ark}) to DER
   * @return the table bytes, GUIDs in the mixed-endian (EFI) byte order
   */
  public static byte[] build(Map<String, byte[]> certs) {
    int header = (certs.size() + 1) * ENTRY;
    int total = header + certs.values().stream().mapToInt(v -> v.length).sum();
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    int data = header;
    int at = 0;
    for (Map.Entry<String, byte[]> e : certs.entrySet()) {
      String guid =
          switch (e.getKey()) {
            case "vcek" -> VCEK;
            case "vlek" -> VLEK;
            case "ask" -> ASK;
            case "ark" -> ARK;
            default -> throw new IllegalArgumentException("no GUID for " + e.getKey());
          };
      b.put(at, mixedEndian(guid));
      b.putInt(at + 16, data);
      b.putInt(at + 20, e.getValue().length);
      b.put(data, e.getValue());
      data += e.getValue().length;
      at += ENTRY;
    }
    return b.array();
  }

  private static String name(byte[] guid) {
    for (String[] g : new String[][] {{VCEK, "vcek"}, {VLEK, "vlek"}, {ASK, "ask"}, {ARK, "ark"}}) {
      // The GHCB specification stores GUIDs in EFI (mixed-endian) order; accept RFC 4122 order
      // too, as some hypervisors write it.
      if (Arrays.equals(guid, mixedEndian(g[0])) || Arrays.equals(guid, bigEndian(g[0]))) {
        return g[1];
      }
    }
    return null;
  }

  static byte[] bigEndian(String guid) {
    String hex = guid.replace("-", "");
    return java.util.HexFormat.of().parseHex(hex);
  }

  static byte[] mixedEndian(String guid) {
    byte[] be = bigEndian(guid);
    byte[] out = be.clone();
    for (int i = 0; i < 4; i++) {
      out[i] = be[3 - i];
    }
    out[4] = be[5];
    out[5] = be[4];
    out[6] = be[7];
    out[7] = be[6];
    return out;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
