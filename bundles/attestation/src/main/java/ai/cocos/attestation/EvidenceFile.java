package ai.cocos.attestation;

import ai.cocos.api.tee.Evidence;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Evidence as a file, for {@code cocos-cli attestation get} to save and {@code attestation
 * validate} to read: a JSON object {@code {"version": 1, "platform": "snp", "report": "<base64>",
 * "attachments": {"vcek": "<base64>", ...}}}, attachments in name order. Reading is strict (unknown
 * members, bad base64, wrong types and oversized files are errors) and also accepts a bare report
 * or quote (anything that is not a JSON object), with the platform given by the caller.
 */
public final class EvidenceFile {
  /** The largest evidence file accepted: 16 MiB (event logs can be large; reports are 1-10 KiB). */
  public static final int MAX_BYTES = 16 * 1024 * 1024;

  /** The format version written. */
  public static final long VERSION = 1;

  private static final List<String> MEMBERS =
      List.of("version", "platform", "report", "attachments");

  private EvidenceFile() {}

  /**
   * Writes evidence as JSON.
   *
   * @param evidence the evidence
   * @return the JSON text
   */
  public static String write(Evidence evidence) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", VERSION);
    m.put("platform", evidence.platform());
    m.put("report", Base64.getEncoder().encodeToString(evidence.report()));
    Map<String, Object> a = new LinkedHashMap<>();
    new TreeMap<>(evidence.attachments())
        .forEach((k, v) -> a.put(k, Base64.getEncoder().encodeToString(v)));
    m.put("attachments", a);
    return Json.write(m);
  }

  /**
   * Reads evidence: the JSON form, or a bare report or quote.
   *
   * @param bytes the file's bytes
   * @param platform the platform of a bare report (ignored for the JSON form, which names its own),
   *     or {@code null} to require the JSON form
   * @return the evidence
   * @throws EvidenceFormatException naming what is wrong
   */
  public static Evidence read(byte[] bytes, String platform) throws EvidenceFormatException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > MAX_BYTES) {
      throw new EvidenceFormatException("evidence file is larger than " + MAX_BYTES + " bytes");
    }
    int i = 0;
    while (i < bytes.length
        && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
      i++;
    }
    if (i >= bytes.length || bytes[i] != '{') {
      if (platform == null || platform.isBlank()) {
        throw new EvidenceFormatException(
            "not an evidence file (JSON object); for a bare report"
                + " or quote, name its platform");
      }
      if (bytes.length == 0) {
        throw new EvidenceFormatException("the evidence file is empty");
      }
      return new Evidence(platform, bytes, Map.of());
    }
    Object root;
    try {
      root = Json.parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (Json.JsonException e) {
      throw new EvidenceFormatException("evidence file: " + e.getMessage());
    }
    Map<?, ?> m = (Map<?, ?>) root;
    for (Object k : m.keySet()) {
      if (!MEMBERS.contains(k)) {
        throw new EvidenceFormatException(
            "evidence file: unknown member \"" + k + "\"; accepted: " + String.join(", ", MEMBERS));
      }
    }
    if (!(m.get("version") instanceof Long v) || v != VERSION) {
      throw new EvidenceFormatException(
          "evidence file: version must be " + VERSION + ", found " + m.get("version"));
    }
    if (!(m.get("platform") instanceof String p) || p.isBlank()) {
      throw new EvidenceFormatException("evidence file: platform must be a non-empty string");
    }
    byte[] report = base64(m.get("report"), "report");
    Map<String, byte[]> attachments = new LinkedHashMap<>();
    Object a = m.get("attachments");
    if (a != null) {
      if (!(a instanceof Map<?, ?> am)) {
        throw new EvidenceFormatException("evidence file: attachments must be an object");
      }
      for (Map.Entry<?, ?> e : am.entrySet()) {
        String name = String.valueOf(e.getKey());
        if (!name.matches("[a-z0-9_.-]{1,64}")) {
          throw new EvidenceFormatException(
              "evidence file: attachment name \"" + name + "\" must" + " be 1-64 of a-z 0-9 _ . -");
        }
        attachments.put(name, base64(e.getValue(), "attachments." + name));
      }
    }
    return new Evidence(p, report, attachments);
  }

  private static byte[] base64(Object v, String path) throws EvidenceFormatException {
    if (!(v instanceof String s)) {
      throw new EvidenceFormatException("evidence file: " + path + " must be a base64 string");
    }
    try {
      byte[] b = Base64.getDecoder().decode(s);
      if (b.length == 0) {
        throw new EvidenceFormatException("evidence file: " + path + " is empty");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw new EvidenceFormatException("evidence file: " + path + " is not valid base64");
    }
  }

  /** An evidence file is malformed; the message names the member. */
  public static final class EvidenceFormatException extends ai.cocos.api.CocosException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what is wrong
     */
    public EvidenceFormatException(String message) {
      super(message);
    }
  }
}
