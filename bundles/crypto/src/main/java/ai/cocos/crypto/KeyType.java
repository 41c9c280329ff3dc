package ai.cocos.crypto;

import java.util.Locale;

/** Key types Cocos accepts, as CocosAI's {@code keys -k} names them. */
public enum KeyType {
  /** RSA, 4096 bits when generated; at least 2048 bits accepted. */
  RSA,
  /** ECDSA on P-256 when generated; P-256 and P-384 accepted. */
  ECDSA,
  /** Ed25519. */
  ED25519;

  /**
   * Parses a CLI name ({@code rsa}, {@code ecdsa}, {@code ed25519}).
   *
   * @param name the name, any case
   * @return the type
   * @throws IllegalArgumentException naming the accepted names
   */
  public static KeyType parse(String name) {
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "rsa" -> RSA;
      case "ecdsa", "ec" -> ECDSA;
      case "ed25519" -> ED25519;
      default ->
          throw new IllegalArgumentException(
              "unknown key type '" + name + "': use rsa, ecdsa or ed25519");
    };
  }
}
