package ai.cocos.api.tee;

import java.util.Map;
import java.util.Objects;

/**
 * Attestation evidence as the platform produced it.
 *
 * @param platform the platform id, as {@link TeeProvider#platform()}
 * @param report the signed report or quote, byte for byte
 * @param attachments further named material shipped with it (certificate chains, event logs,
 *     collateral), keyed by a name the provider documents
 */
public record Evidence(String platform, byte[] report, Map<String, byte[]> attachments) {
  /** Validates and copies. */
  public Evidence {
    Objects.requireNonNull(platform, "platform");
    report = Objects.requireNonNull(report, "report").clone();
    attachments = Map.copyOf(Objects.requireNonNull(attachments, "attachments"));
  }

  /**
   * The report.
   *
   * @return a copy of the report bytes
   */
  @Override
  public byte[] report() {
    return report.clone();
  }
}
