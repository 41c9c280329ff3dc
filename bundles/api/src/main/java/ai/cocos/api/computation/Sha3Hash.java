package ai.cocos.api.computation;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A SHA3-256 digest, as a manifest names the algorithm and each dataset it accepts. Written as 64
 * lower-case hex digits.
 *
 * @param bytes the 32 digest bytes (copied in and out)
 */
public record Sha3Hash(byte[] bytes) {
  /** The length of a SHA3-256 digest in bytes. */
  public static final int LENGTH = 32;

  private static final String EXPECTED = "expected 64 lower-case hex digits (SHA3-256)";

  /**
   * Checks the length and copies the bytes.
   *
   * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long
   */
  public Sha3Hash {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "a SHA3-256 hash has " + LENGTH + " bytes, found " + bytes.length);
    }
    bytes = bytes.clone();
  }

  /**
   * Parses 64 lower-case hex digits. Upper case, a {@code 0x} prefix or whitespace are refused, so
   * that one hash has exactly one spelling.
   *
   * @param hex the hex text
   * @return the hash
   * @throws IllegalArgumentException naming what is wrong, e.g. {@code expected 64 lower-case hex
   *     digits (SHA3-256), found 63 characters}
   */
  public static Sha3Hash parse(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      String found = hex.length() == 1 ? "1 character" : hex.length() + " characters";
      if (hex.length() == 2 * LENGTH + 2 && (hex.startsWith("0x") || hex.startsWith("0X"))) {
        found += " (drop the '0x' prefix)";
      }
      throw new IllegalArgumentException(EXPECTED + ", found " + found);
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (!ok) {
        String what =
            (c >= 'A' && c <= 'F')
                ? "upper-case " + Text.quote(String.valueOf(c))
                : Text.quote(String.valueOf(c));
        throw new IllegalArgumentException(
            EXPECTED + ", found " + what + " at character " + (i + 1));
      }
    }
    return new Sha3Hash(HexFormat.of().parseHex(hex));
  }

  /**
   * The digest bytes.
   *
   * @return a copy of the 32 bytes
   */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * The digest as text.
   *
   * @return 64 lower-case hex digits
   */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * Compares a computed digest with this one in time that does not depend on where they differ.
   *
   * @param digest a computed SHA3-256 digest; {@code null} or a wrong length never matches
   * @return {@code true} only if the bytes are equal
   */
  public boolean matches(byte[] digest) {
    return digest != null && MessageDigest.isEqual(bytes, digest);
  }

  /** Equal when the digest bytes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Sha3Hash h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /**
   * The hex form.
   *
   * @return 64 lower-case hex digits
   */
  @Override
  public String toString() {
    return hex();
  }
}
