package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** CCEL replay against the GCP quote's RTMRs (go-tdx-guest TestReplayCcelWithTdQuote). */
class CcelLogTest {
  @Test
  void gcpLogReplaysToTheQuotedRtmrs() throws Exception {
    Quote q = QuoteParser.parse(Vectors.read("tdx/v4-gcp-cos113-ccel/quote.dat"));
    CcelLog.Replay r = CcelLog.replay(Vectors.read("tdx/v4-gcp-cos113-ccel/ccel_data.bin"));
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(q.body().rtmrs().get(i), r.rtmrs().get(i), "RTMR" + i);
    }
    assertArrayEquals(new int[] {16, 7, 20, 0}, r.events());
  }

  @Test
  void truncatedOrForeignLogsAreErrors() {
    byte[] log = Vectors.read("tdx/v4-gcp-cos113-ccel/ccel_data.bin");
    assertThrows(QuoteFormatException.class, () -> CcelLog.replay(Arrays.copyOf(log, 100)));
    assertThrows(QuoteFormatException.class, () -> CcelLog.replay(Arrays.copyOf(log, 5000)));
    byte[] spec = log.clone();
    spec[32 + 14] ^= 1; // inside "Spec ID Event03"
    assertThrows(QuoteFormatException.class, () -> CcelLog.replay(spec));
    assertThrows(QuoteFormatException.class, () -> CcelLog.replay(new byte[0]));
  }
}
