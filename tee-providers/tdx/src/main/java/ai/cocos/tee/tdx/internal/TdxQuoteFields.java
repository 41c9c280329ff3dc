package ai.cocos.tee.tdx.internal;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A quote's measured fields as hex, for templates and tools (parsing only, no verification). */
public final class TdxQuoteFields {
  private TdxQuoteFields() {}

  /**
   * Reads a quote's fields.
   *
   * @param quote the quote bytes
   * @return field name to lower-case hex (names as in verdict claims)
   * @throws IllegalArgumentException naming what is malformed
   */
  public static Map<String, String> read(byte[] quote) {
    Quote q;
    try {
      q = QuoteParser.parse(quote);
    } catch (QuoteFormatException e) {
      throw new IllegalArgumentException("not a readable TDX quote: " + e.getMessage(), e);
    }
    HexFormat h = HexFormat.of();
    TdReport b = q.body();
    Map<String, String> f = new LinkedHashMap<>();
    f.put("quote_version", String.valueOf(q.header().version()));
    f.put("mrtd", h.formatHex(b.mrTd()));
    for (int i = 0; i < QuoteFormat.RTMR_COUNT; i++) {
      f.put("rtmr" + i, h.formatHex(b.rtmrs().get(i)));
    }
    f.put("mr_seam", h.formatHex(b.mrSeam()));
    f.put("mr_signer_seam", h.formatHex(b.mrSignerSeam()));
    f.put("mr_config_id", h.formatHex(b.mrConfigId()));
    f.put("mr_owner", h.formatHex(b.mrOwner()));
    f.put("mr_owner_config", h.formatHex(b.mrOwnerConfig()));
    f.put("td_attributes", h.formatHex(b.tdAttributes()));
    f.put("xfam", h.formatHex(b.xfam()));
    f.put("tee_tcb_svn", h.formatHex(b.teeTcbSvn()));
    f.put("report_data", h.formatHex(b.reportData()));
    return f;
  }
}
