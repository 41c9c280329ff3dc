package ai.cocos.manifest.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads and writes PEM text (RFC 7468). Reading is strict inside a block (matching labels, strict
 * base64, no encryption headers) and, as RFC 7468 allows, ignores text between blocks. Messages
 * name blocks by number and label and never quote their content, since a block may be a private
 * key.
 */
public final class PemText {
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";

  private PemText() {}

  /**
   * One PEM block.
   *
   * @param label the label, e.g. {@code CERTIFICATE}
   * @param der the decoded bytes
   */
  public record Block(String label, byte[] der) {}

  /** The text is not well-formed PEM; the message says which block and why. */
  public static final class PemException extends Exception {
    private static final long serialVersionUID = 1L;

    PemException(String message) {
      super(message);
    }
  }

  /**
   * Reads every block of a PEM text.
   *
   * @param text the text
   * @return the blocks in order; empty if there is none
   * @throws PemException naming the malformed block
   */
  public static List<Block> read(String text) throws PemException {
    List<Block> blocks = new ArrayList<>();
    String[] lines = text.split("\r\n|\r|\n", -1);
    String label = null;
    StringBuilder body = null;
    for (String raw : lines) {
      String line = raw.strip();
      if (label == null) {
        if (line.startsWith(BEGIN)) {
          if (!line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
            throw new PemException(
                "PEM block " + (blocks.size() + 1) + " has a malformed -----BEGIN line");
          }
          label = line.substring(BEGIN.length(), line.length() - DASHES.length());
          body = new StringBuilder();
        }
        continue;
      }
      String name = "PEM block " + (blocks.size() + 1) + " (" + Text.quote(label) + ")";
      if (line.startsWith(END)) {
        String endLabel =
            line.endsWith(DASHES) && line.length() >= END.length() + DASHES.length()
                ? line.substring(END.length(), line.length() - DASHES.length())
                : null;
        if (!label.equals(endLabel)) {
          throw new PemException(name + " ends with a -----END line of another label");
        }
        if (body.length() == 0) {
          throw new PemException(name + " is empty");
        }
        byte[] der;
        try {
          der = Base64.getDecoder().decode(body.toString());
        } catch (IllegalArgumentException e) {
          throw new PemException(name + " holds malformed base64");
        }
        blocks.add(new Block(label, der));
        label = null;
        body = null;
      } else if (line.startsWith(BEGIN)) {
        throw new PemException(name + " has no -----END line before the next -----BEGIN line");
      } else if (line.indexOf(':') >= 0) {
        throw new PemException(
            name + " has headers (such as Proc-Type or DEK-Info): encrypted PEM is not supported");
      } else {
        body.append(line.replaceAll("\\s", ""));
      }
    }
    if (label != null) {
      throw new PemException(
          "PEM block " + (blocks.size() + 1) + " (" + Text.quote(label) + ") has no -----END line");
    }
    return blocks;
  }

  /**
   * Writes one block in the standard layout: base64 in lines of 64 characters, {@code \n} line
   * ends, a final line end.
   *
   * @param label the label
   * @param der the bytes
   * @return the PEM text
   */
  public static String encode(String label, byte[] der) {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return BEGIN + label + DASHES + "\n" + b64 + "\n" + END + label + DASHES + "\n";
  }
}
