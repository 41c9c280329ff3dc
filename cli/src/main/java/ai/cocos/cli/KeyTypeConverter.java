package ai.cocos.cli;

import ai.cocos.crypto.KeyType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code rsa}, {@code ecdsa} or {@code ed25519}, any case, as {@code keys -k} takes them. */
final class KeyTypeConverter implements ITypeConverter<KeyType> {

  @Override
  public KeyType convert(String value) {
    try {
      return KeyType.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
