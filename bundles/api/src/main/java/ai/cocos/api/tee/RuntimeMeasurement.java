package ai.cocos.api.tee;

import java.util.Map;
import java.util.Objects;

/**
 * What one {@link RuntimeMeasurements#extend} did.
 *
 * @param platform the platform whose registers hold it, as {@link TeeProvider#platform()}
 * @param register the register, e.g. {@code PCR16}
 * @param digests per register bank (e.g. {@code sha256}), the digest of the content that was
 *     extended, in lower-case hex
 * @param values per register bank, the register's value after the extension, in lower-case hex
 */
public record RuntimeMeasurement(
    String platform, String register, Map<String, String> digests, Map<String, String> values) {
  /** Validates and copies. */
  public RuntimeMeasurement {
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(register, "register");
    digests = Map.copyOf(Objects.requireNonNull(digests, "digests"));
    values = Map.copyOf(Objects.requireNonNull(values, "values"));
  }
}
