package ai.cocos.crypto;

import java.io.IOException;

/**
 * A ZIP archive, or one of its entries, was refused by {@link SafeUnzip}. The message names the
 * entry and the problem; {@link #entryName()} and {@link #problem()} give them to code. Nothing
 * extracted by the refused call remains on disk.
 */
public final class ZipRejectedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why an archive or entry was refused. */
  public enum Problem {
    /** Not a readable ZIP archive (no end record, truncated, inconsistent headers). */
    MALFORMED,
    /** The name would leave the target: {@code ..}, absolute, drive letter, backslash, NUL. */
    UNSAFE_PATH,
    /** A symbolic link entry. */
    SYMLINK,
    /** A device, FIFO or socket entry. */
    SPECIAL_FILE,
    /** The same name twice, or a name used both as a file and as a directory. */
    DUPLICATE,
    /** More entries than allowed. */
    TOO_MANY_ENTRIES,
    /** More bytes than allowed, counted as they are inflated. */
    TOO_LARGE,
    /** Data that does not match its headers (size, CRC), or entries sharing data. */
    CORRUPT,
    /** Encrypted entries or a compression method other than stored and deflate. */
    UNSUPPORTED,
    /** A file of that name already exists in the target, or a path through a link. */
    CONFLICT
  }

  private final String entryName;
  private final Problem problem;

  /**
   * Creates the error.
   *
   * @param entryName the offending entry's name as stored (may be {@code null} for the archive)
   * @param problem the kind of problem
   * @param detail what exactly is wrong
   */
  public ZipRejectedException(String entryName, Problem problem, String detail) {
    super(
        (entryName == null
                ? "zip archive rejected: "
                : "zip entry '" + safe(entryName) + "' rejected: ")
            + detail);
    this.entryName = entryName;
    this.problem = problem;
  }

  /**
   * The offending entry's name.
   *
   * @return the name as stored in the archive, or {@code null} if the archive as a whole is refused
   */
  public String entryName() {
    return entryName;
  }

  /**
   * The kind of problem.
   *
   * @return the problem
   */
  public Problem problem() {
    return problem;
  }

  /** Names come from the archive: keep control characters and length out of messages and logs. */
  private static String safe(String name) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < name.length() && sb.length() < 200; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (sb.length() >= 200) {
      sb.append("...");
    }
    return sb.toString();
  }
}
