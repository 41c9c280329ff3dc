package ai.cocos.tee.tdx;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the TDX provider gathers quotes and finds collateral.
 *
 * @param tsmReportDir the configfs-tsm report folder ({@code /sys/kernel/config/tsm/report})
 * @param ccelLog the CCEL event log the firmware published ({@code
 *     /sys/firmware/acpi/tables/data/CCEL}); attached to gathered evidence when readable
 * @param pcsBaseUrl Intel's Provisioning Certification Service (or a PCCS) for TCB info, QE
 *     identity and PCK CRLs
 * @param collateralCache folder of the local collateral cache (shared with the other providers), or
 *     {@code null} to keep none
 * @param fetchCollateral whether collateral may be fetched over the network at all (a request's
 *     {@code offline} flag can only forbid it further)
 * @param fetchTimeout how long one collateral fetch may take
 */
public record TdxSettings(
    Path tsmReportDir,
    Path ccelLog,
    URI pcsBaseUrl,
    Path collateralCache,
    boolean fetchCollateral,
    Duration fetchTimeout) {

  /** The configfs-tsm report folder of Linux 6.7 and later. */
  public static final Path DEFAULT_TSM_REPORT_DIR = Path.of("/sys/kernel/config/tsm/report");

  /** Where Linux exposes the firmware's CCEL event log. */
  public static final Path DEFAULT_CCEL_LOG = Path.of("/sys/firmware/acpi/tables/data/CCEL");

  /** Intel's production PCS. */
  public static final URI DEFAULT_PCS = URI.create("https://api.trustedservices.intel.com");

  /** Validates. */
  public TdxSettings {
    Objects.requireNonNull(tsmReportDir, "tsmReportDir");
    Objects.requireNonNull(ccelLog, "ccelLog");
    Objects.requireNonNull(pcsBaseUrl, "pcsBaseUrl");
    Objects.requireNonNull(fetchTimeout, "fetchTimeout");
    if (!"https".equals(pcsBaseUrl.getScheme()) && !"http".equals(pcsBaseUrl.getScheme())) {
      throw new IllegalArgumentException("PCS URL must be http(s): " + pcsBaseUrl);
    }
    if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
      throw new IllegalArgumentException("fetch timeout must be positive");
    }
  }

  /**
   * The defaults: the Linux interfaces, Intel's PCS, the user's collateral cache ({@code
   * ~/.cache/cocos/collateral}), fetching allowed (per request), 30 s per fetch.
   *
   * @return the default settings
   */
  public static TdxSettings defaults() {
    return new TdxSettings(
        DEFAULT_TSM_REPORT_DIR,
        DEFAULT_CCEL_LOG,
        DEFAULT_PCS,
        Path.of(System.getProperty("user.home"), ".cache", "cocos", "collateral"),
        true,
        Duration.ofSeconds(30));
  }

  /**
   * A copy that never uses the network (collateral from attachments, the cache or a bundle only).
   *
   * @return the settings with fetching off
   */
  public TdxSettings offline() {
    return new TdxSettings(tsmReportDir, ccelLog, pcsBaseUrl, collateralCache, false, fetchTimeout);
  }
}
