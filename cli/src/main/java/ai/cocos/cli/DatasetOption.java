package ai.cocos.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code --dataset PATH=PUBLIC_KEY.pem[,decompress]} of {@code manifest create}. The last
 * {@code =} separates the data's path from the key's, so the data's path may contain {@code =} but
 * the key's must contain neither {@code =} nor {@code ,}.
 *
 * @param text the option's value as given, for messages
 * @param data the dataset's file or directory
 * @param key the data provider's public key file
 * @param decompress whether {@code ,decompress} was given
 */
record DatasetOption(String text, Path data, Path key, boolean decompress) {
  /** The flag that asks the agent to unpack a zip file. */
  static final String DECOMPRESS = "decompress";

  static final String FORM = "PATH=PUBLIC_KEY.pem[,decompress]";

  /**
   * Parses the option's value.
   *
   * @param value e.g. {@code data/a.csv=keys/a/public.pem}
   * @return the parts
   * @throws IllegalArgumentException naming the expected form
   */
  static DatasetOption parse(String value) {
    int eq = value.lastIndexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException(
          "'"
              + value
              + "' names no key: expected "
              + FORM
              + ", for example a.csv=alice/public.pem");
    }
    String data = value.substring(0, eq);
    String[] keyAndFlags = value.substring(eq + 1).split(",", -1);
    String key = keyAndFlags[0];
    if (data.isEmpty() || key.isEmpty()) {
      throw new IllegalArgumentException(
          "'"
              + value
              + "' has an empty "
              + (data.isEmpty() ? "PATH" : "key path")
              + ": expected "
              + FORM);
    }
    boolean decompress = false;
    for (int i = 1; i < keyAndFlags.length; i++) {
      if (!keyAndFlags[i].equals(DECOMPRESS)) {
        throw new IllegalArgumentException(
            "'"
                + value
                + "': unknown flag '"
                + keyAndFlags[i]
                + "' after the key; the only flag is ',"
                + DECOMPRESS
                + "'");
      }
      decompress = true;
    }
    try {
      return new DatasetOption(value, Path.of(data), Path.of(key), decompress);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + value + "': invalid path: " + e.getMessage(), e);
    }
  }

  /** Picocli's converter: a malformed value is a usage error. */
  static final class Converter implements ITypeConverter<DatasetOption> {
    @Override
    public DatasetOption convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
