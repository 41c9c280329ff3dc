package ai.cocos.tee.snp;

import ai.cocos.attestation.ConfigfsTsm;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.snp.AmdKds;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of the SEV-SNP provider (plain-jar use; the OSGi component reads the same values from
 * its configuration).
 *
 * @param collateralCache the collateral cache folder (VCEKs, CRLs)
 * @param kds AMD's KDS, where missing VCEKs and CRLs are fetched from
 * @param fetchCollateral whether collateral may be fetched at all (false: cache and evidence only,
 *     as if every verification were offline)
 * @param tsmReportDir the configfs-tsm report folder (gathering)
 * @param sevGuestDevice the SEV guest device; its presence tells an SNP guest
 * @param vmpl the VMPL to request reports at, or -1 for the kernel's default
 */
public record SnpSettings(
    Path collateralCache,
    URI kds,
    boolean fetchCollateral,
    Path tsmReportDir,
    Path sevGuestDevice,
    int vmpl) {

  /** Validates. */
  public SnpSettings {
    Objects.requireNonNull(collateralCache, "collateralCache");
    Objects.requireNonNull(kds, "kds");
    Objects.requireNonNull(tsmReportDir, "tsmReportDir");
    Objects.requireNonNull(sevGuestDevice, "sevGuestDevice");
    if (vmpl < -1 || vmpl > 3) {
      throw new IllegalArgumentException("SEV-SNP provider: vmpl must be 0-3 or -1, was " + vmpl);
    }
    String scheme = kds.getScheme();
    if (scheme == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(
          "SEV-SNP provider: kds must be an http(s) URL, was " + kds);
    }
  }

  /**
   * The defaults: the user's collateral cache, AMD's KDS, fetching allowed, the kernel's paths, the
   * kernel's default VMPL.
   *
   * @return the settings
   */
  public static SnpSettings defaults() {
    return new SnpSettings(
        CollateralCache.defaultLocation(),
        AmdKds.DEFAULT,
        true,
        ConfigfsTsm.DEFAULT,
        Path.of("/dev/sev-guest"),
        -1);
  }

  /**
   * A copy with another collateral cache.
   *
   * @param dir the folder
   * @return the settings
   */
  public SnpSettings withCollateralCache(Path dir) {
    return new SnpSettings(dir, kds, fetchCollateral, tsmReportDir, sevGuestDevice, vmpl);
  }

  /**
   * A copy with another KDS.
   *
   * @param url the KDS base URL
   * @return the settings
   */
  public SnpSettings withKds(URI url) {
    return new SnpSettings(
        collateralCache, url, fetchCollateral, tsmReportDir, sevGuestDevice, vmpl);
  }

  /**
   * A copy with other guest interfaces.
   *
   * @param tsm the configfs-tsm report folder
   * @param device the SEV guest device
   * @return the settings
   */
  public SnpSettings withGuest(Path tsm, Path device) {
    return new SnpSettings(collateralCache, kds, fetchCollateral, tsm, device, vmpl);
  }
}
