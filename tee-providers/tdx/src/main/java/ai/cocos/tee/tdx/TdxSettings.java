package ai.cocos.tee.tdx;

import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.IntelPcs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the TDX provider gathers quotes and finds collateral.
 *
 * @param tsmReportDir the configfs-tsm report folder ({@code /sys/kernel/config/tsm/report})
 * @param ccelLog the CCEL event log the firmware published ({@code
 *     /sys/firmware/acpi/tables/data/CCEL}); attached to gathered evidence when readable
 * @param pcs Intel's Provisioning Certification Service (or a PCCS with the same API) for TCB info,
 *     QE identity and CRLs
 * @param collateralCache folder of the collateral cache shared with the other providers, or {@code
 *     null} for none (collateral then only from evidence attachments)
 * @param fetchCollateral whether collateral may be fetched over the network at all (a request's
 *     {@code offline} flag can only forbid it further)
 * @param fetchTimeout how long one collateral fetch may take
 */
public record TdxSettings(
    Path tsmReportDir,
    Path ccelLog,
    IntelPcs pcs,
    Path collateralCache,
    boolean fetchCollateral,
    Duration fetchTimeout) {

  /** The configfs-tsm report folder of Linux 6.7 and later. */
  public static final Path DEFAULT_TSM_REPORT_DIR = Path.of("/sys/kernel/config/tsm/report");

  /** Where Linux exposes the firmware's CCEL event log. */
  public static final Path DEFAULT_CCEL_LOG = Path.of("/sys/firmware/acpi/tables/data/CCEL");

  /** Validates. */
  public TdxSettings {
    Objects.requireNonNull(tsmReportDir, "tsmReportDir");
    Objects.requireNonNull(ccelLog, "ccelLog");
    Objects.requireNonNull(pcs, "pcs");
    Objects.requireNonNull(fetchTimeout, "fetchTimeout");
    if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
      throw new IllegalArgumentException("fetch timeout must be positive");
    }
  }

  /**
   * The defaults: the Linux interfaces, Intel's PCS, the shared collateral cache ({@code
   * $COCOS_COLLATERAL_CACHE}, else {@code ~/.cache/cocos/collateral}), fetching allowed (per
   * request), 30 s per fetch.
   *
   * @return the default settings
   */
  public static TdxSettings defaults() {
    return new TdxSettings(
        DEFAULT_TSM_REPORT_DIR,
        DEFAULT_CCEL_LOG,
        IntelPcs.defaults(),
        CollateralCache.defaultLocation(),
        true,
        Duration.ofSeconds(30));
  }

  /**
   * A copy that never uses the network (collateral from attachments, the cache or an imported
   * bundle only).
   *
   * @return the settings with fetching off
   */
  public TdxSettings offline() {
    return new TdxSettings(tsmReportDir, ccelLog, pcs, collateralCache, false, fetchTimeout);
  }

  /**
   * A copy with another collateral cache folder.
   *
   * @param dir the folder, or {@code null} for none
   * @return the settings
   */
  public TdxSettings withCollateralCache(Path dir) {
    return new TdxSettings(tsmReportDir, ccelLog, pcs, dir, fetchCollateral, fetchTimeout);
  }

  /**
   * A copy with other PCS endpoints (a PCCS, or a test server).
   *
   * @param pcs the endpoints
   * @return the settings
   */
  public TdxSettings withPcs(IntelPcs pcs) {
    return new TdxSettings(
        tsmReportDir, ccelLog, pcs, collateralCache, fetchCollateral, fetchTimeout);
  }

  /**
   * A copy with another configfs-tsm folder and CCEL log (tests, unusual mounts).
   *
   * @param tsmReportDir the report folder
   * @param ccelLog the CCEL log file
   * @return the settings
   */
  public TdxSettings withGuestInterfaces(Path tsmReportDir, Path ccelLog) {
    return new TdxSettings(
        tsmReportDir, ccelLog, pcs, collateralCache, fetchCollateral, fetchTimeout);
  }
}
