package ai.cocos.attestation;

import ai.cocos.api.tee.Evidence;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One file carrying one {@link Evidence}: what the agent's {@code Attestation} RPC streams and
 * {@code cocos-cli attestation get} saves, and what {@code cocos-cli attestation validate} reads.
 *
 * <h2>Format {@value #FORMAT}</h2>
 *
 * A UTF-8 JSON object with exactly these members:
 *
 * <pre>{@code
 * {
 *   "format": "cocos-evidence/1",
 *   "platform": "snp",                       // the provider's platform id
 *   "report": "<base64>",                    // the report or quote, byte for byte
 *   "attachments": { "<name>": "<base64>" }  // the provider's named extra material
 * }
 * }</pre>
 *
 * Base64 is RFC 4648 §4 with padding. Attachment names are 1-64 characters of {@code
 * [A-Za-z0-9._-]}; members appear in the order above and attachments sorted by name, so writing the
 * same evidence twice gives the same bytes (the file can be hashed, signed or compared).
 *
 * <p>Why JSON and not a zip or CBOR: evidence is small (a report and a few certificates; the
 * largest attachment, a CCEL event log, is kilobytes), people open it with {@code jq} to see what a
 * verifier was given, and the project already has a strict JSON reader. The {@code format} member
 * is versioned: a reader rejects a version it does not know instead of guessing.
 *
 * <p>Reading is strict: unknown or missing members, a duplicate member, a wrong type, invalid
 * base64, a bad attachment name, a file over {@link #MAX_BYTES} or more than {@link
 * #MAX_ATTACHMENTS} attachments are each an {@link EvidenceFormatException} naming the problem.
 * Stateless and thread-safe.
 */
public final class EvidenceFile {
  /** The format identifier and version this class writes and reads. */
  public static final String FORMAT = "cocos-evidence/1";

  /** The prefix of every version of this format. */
  public static final String FORMAT_PREFIX = "cocos-evidence/";

  /** The largest evidence file read: 48 MiB (a 16 MiB CCEL log and more, base64-encoded). */
  public static final int MAX_BYTES = 48 * 1024 * 1024;

  /** The most attachments one evidence may carry. */
  public static final int MAX_ATTACHMENTS = 256;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern PLATFORM = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  private EvidenceFile() {}

  /** The file is not an evidence file this version can read; the message says what is wrong. */
  public static final class EvidenceFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the error.
     *
     * @param message what is wrong, naming the member
     */
    public EvidenceFormatException(String message) {
      super(message);
    }
  }

  /**
   * Writes evidence in this format.
   *
   * @param evidence the evidence
   * @return the file's bytes (UTF-8 JSON ending with a line break)
   * @throws IllegalArgumentException if the platform id or an attachment name cannot be written
   */
  public static byte[] write(Evidence evidence) {
    Objects.requireNonNull(evidence, "evidence");
    if (!PLATFORM.matcher(evidence.platform()).matches()) {
      throw new IllegalArgumentException(
          "platform id '" + evidence.platform() + "' is not a lower-case platform id");
    }
    Base64.Encoder b64 = Base64.getEncoder();
    Map<String, Object> attachments = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> a : new TreeMap<>(evidence.attachments()).entrySet()) {
      if (!NAME.matcher(a.getKey()).matches()) {
        throw new IllegalArgumentException(
            "attachment name '" + a.getKey() + "' is not 1-64 characters of [A-Za-z0-9._-]");
      }
      attachments.put(a.getKey(), b64.encodeToString(a.getValue()));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", FORMAT);
    doc.put("platform", evidence.platform());
    doc.put("report", b64.encodeToString(evidence.report()));
    doc.put("attachments", attachments);
    return Json.write(doc).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes evidence to a file (replacing it).
   *
   * @param evidence the evidence
   * @param file the file
   * @throws IOException if the file cannot be written
   */
  public static void write(Evidence evidence, Path file) throws IOException {
    Files.write(file, write(evidence));
  }

  /**
   * Whether bytes look like an evidence file of any version: a JSON object whose first member is
   * {@code "format"} with a value starting {@value #FORMAT_PREFIX}. Other inputs (a raw SNP report,
   * a TDX quote, another tool's JSON) are not.
   *
   * @param bytes the file's bytes (the first kilobyte suffices)
   * @return whether {@link #read(byte[])} is the reader for them
   */
  public static boolean looksLikeEvidenceFile(byte[] bytes) {
    int n = Math.min(bytes.length, 1024);
    String head = new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    return Pattern.compile("\\A\\s*\\{\\s*\"format\"\\s*:\\s*\"" + Pattern.quote(FORMAT_PREFIX))
        .matcher(head)
        .find();
  }

  /**
   * Reads an evidence file.
   *
   * @param file the file
   * @return the evidence
   * @throws IOException if the file cannot be read
   * @throws EvidenceFormatException if it is not a valid evidence file, or too large
   */
  public static Evidence read(Path file) throws IOException, EvidenceFormatException {
    return read(readLimited(file));
  }

  /**
   * Reads a file's bytes, refusing one over {@link #MAX_BYTES} before reading it all.
   *
   * @param file the file
   * @return its bytes
   * @throws IOException if it cannot be read
   * @throws EvidenceFormatException if it is larger than {@link #MAX_BYTES}
   */
  public static byte[] readLimited(Path file) throws IOException, EvidenceFormatException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(MAX_BYTES + 1);
      if (b.length > MAX_BYTES) {
        throw new EvidenceFormatException(
            file + " is larger than " + MAX_BYTES + " bytes: not evidence this tool reads");
      }
      return b;
    }
  }

  /**
   * Reads an evidence file's bytes.
   *
   * @param bytes the file's bytes
   * @return the evidence
   * @throws EvidenceFormatException naming what is wrong
   */
  public static Evidence read(byte[] bytes) throws EvidenceFormatException {
    if (bytes.length > MAX_BYTES) {
      throw new EvidenceFormatException(
          "evidence file is " + bytes.length + " bytes, more than the " + MAX_BYTES + " allowed");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new EvidenceFormatException("evidence file is not UTF-8 text (is it a raw report?)");
    }
    Object root;
    try {
      root = Json.parse(text);
    } catch (Json.JsonException e) {
      throw new EvidenceFormatException("evidence file is not valid JSON: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> doc)) {
      throw new EvidenceFormatException("evidence file: expected a JSON object");
    }
    if (!(doc.get("format") instanceof String format)) {
      throw new EvidenceFormatException(
          "evidence file: member \"format\" is missing or not a string (expected \""
              + FORMAT
              + "\")");
    }
    if (!FORMAT.equals(format)) {
      throw new EvidenceFormatException(
          "evidence file: format \""
              + printable(format)
              + "\" is not supported, this version reads \""
              + FORMAT
              + "\"");
    }
    for (Object k : doc.keySet()) {
      if (!Map.of("format", 0, "platform", 0, "report", 0, "attachments", 0).containsKey(k)) {
        throw new EvidenceFormatException(
            "evidence file: unknown member \""
                + printable(String.valueOf(k))
                + "\" (expected format, platform, report, attachments)");
      }
    }
    if (!(doc.get("platform") instanceof String platform)) {
      throw new EvidenceFormatException(
          "evidence file: member \"platform\" is missing or not a string");
    }
    if (!PLATFORM.matcher(platform).matches()) {
      throw new EvidenceFormatException(
          "evidence file: platform \"" + printable(platform) + "\" is not a platform id");
    }
    if (!(doc.get("report") instanceof String report)) {
      throw new EvidenceFormatException(
          "evidence file: member \"report\" is missing or not a base64 string");
    }
    byte[] reportBytes = base64(report, "report");
    if (reportBytes.length == 0) {
      throw new EvidenceFormatException("evidence file: \"report\" is empty");
    }
    if (!(doc.get("attachments") instanceof Map<?, ?> att)) {
      throw new EvidenceFormatException(
          "evidence file: member \"attachments\" is missing or not an object (use {} for none)");
    }
    if (att.size() > MAX_ATTACHMENTS) {
      throw new EvidenceFormatException(
          "evidence file: " + att.size() + " attachments, more than " + MAX_ATTACHMENTS);
    }
    Map<String, byte[]> attachments = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : att.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (!NAME.matcher(name).matches()) {
        throw new EvidenceFormatException(
            "evidence file: attachment name \""
                + printable(name)
                + "\" is not 1-64 characters of [A-Za-z0-9._-]");
      }
      if (!(e.getValue() instanceof String v)) {
        throw new EvidenceFormatException(
            "evidence file: attachments." + name + " is not a base64 string");
      }
      attachments.put(name, base64(v, "attachments." + name));
    }
    return new Evidence(platform, reportBytes, attachments);
  }

  private static byte[] base64(String s, String what) throws EvidenceFormatException {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new EvidenceFormatException(
          "evidence file: " + what + " is not valid base64: " + e.getMessage());
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > 64 ? b.append('…').toString() : b.toString();
  }
}
