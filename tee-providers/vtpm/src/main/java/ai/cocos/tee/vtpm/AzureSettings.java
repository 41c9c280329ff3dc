package ai.cocos.tee.vtpm;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Azure providers gather evidence inside an Azure confidential VM (CocosAI's environment
 * names in brackets).
 *
 * @param refreshWait how long the paravisor needs after new report data is written before the HCL
 *     report reflects it ({@code AZURE_HCL_REFRESH_WAIT})
 * @param tdQuoteUrl Azure's instance-metadata endpoint that turns a TD report into a TDX quote
 *     ({@code AZURE_TDX_IMDS_URL})
 * @param requestTimeout the time limit of that request
 */
public record AzureSettings(Duration refreshWait, URI tdQuoteUrl, Duration requestTimeout) {
  /** NV index of the HCL report. */
  public static final int HCL_REPORT_NV_INDEX = 0x01400001;

  /** NV index the guest writes its 64-byte report data to, to refresh the HCL report. */
  public static final int REPORT_DATA_NV_INDEX = 0x01400002;

  /** Persistent handle of the vTPM attestation key on Azure (HCLAkPub). */
  public static final long AK_HANDLE = 0x81000003L;

  /** Azure's TD-quote endpoint. */
  public static final URI DEFAULT_TD_QUOTE_URL = URI.create("http://169.254.169.254/acc/tdquote");

  /** Validates. */
  public AzureSettings {
    Objects.requireNonNull(refreshWait, "refreshWait");
    Objects.requireNonNull(tdQuoteUrl, "tdQuoteUrl");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (refreshWait.isNegative() || refreshWait.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("refreshWait must be between 0 and 60 s");
    }
    if (!"http".equals(tdQuoteUrl.getScheme()) && !"https".equals(tdQuoteUrl.getScheme())) {
      throw new IllegalArgumentException("tdQuoteUrl must be an http(s) URL: " + tdQuoteUrl);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive");
    }
  }

  /**
   * The defaults: 3 s refresh wait, Azure's IMDS TD-quote endpoint, 30 s request time limit.
   *
   * @return the defaults
   */
  public static AzureSettings defaults() {
    return new AzureSettings(Duration.ofSeconds(3), DEFAULT_TD_QUOTE_URL, Duration.ofSeconds(30));
  }
}
