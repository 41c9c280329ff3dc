package ai.cocos.tee.tdx.internal;

/**
 * TCB statuses as Intel's TCB info and QE identity name them, plus the outcomes Intel's Quote
 * Verification Library (QVL) computes on top (no matching level, module mismatch, relaunch
 * advised).
 */
enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  REVOKED("Revoked"),
  /**
   * The TD runs on an out-of-date module but the platform has been updated: relaunching fixes it.
   */
  TD_RELAUNCH_ADVISED("TDRelaunchAdvised"),
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED("TDRelaunchAdvisedConfigurationNeeded"),
  /** No TCB level matches the platform: Intel does not vouch for it at all. */
  NOT_SUPPORTED("no matching TCB level"),
  /** The quote's TDX module has no identity in the TCB info, or its signer/attributes differ. */
  TDX_MODULE_MISMATCH("TDX module mismatch"),
  /** The collateral names a status Intel does not define. */
  UNRECOGNIZED("unrecognized status");

  private final String label;

  TcbStatus(String label) {
    this.label = label;
  }

  /**
   * The name Intel uses (the one policies list in {@code accepted_tcb_status}).
   *
   * @return e.g. {@code UpToDate}
   */
  String label() {
    return label;
  }

  /**
   * The status a TCB-level string names.
   *
   * @param s a {@code tcbStatus} value from Intel collateral
   * @return the status, {@link #UNRECOGNIZED} for anything Intel does not define there
   */
  static TcbStatus of(String s) {
    for (TcbStatus t : values()) {
      if (t.ordinal() <= REVOKED.ordinal() && t.label.equals(s)) {
        return t;
      }
    }
    return UNRECOGNIZED;
  }

  boolean configurationNeeded() {
    return this == CONFIGURATION_NEEDED
        || this == OUT_OF_DATE_CONFIGURATION_NEEDED
        || this == CONFIGURATION_AND_SW_HARDENING_NEEDED
        || this == TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
  }
}
