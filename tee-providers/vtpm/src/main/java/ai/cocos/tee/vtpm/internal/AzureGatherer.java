package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.tee.vtpm.AzureSettings;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import ai.cocos.tee.vtpm.VtpmAttachments;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gathers Azure confidential-VM evidence: writes the caller's report data to NV index 0x01400002
 * (so the paravisor regenerates the HCL report with it as user-data), waits, reads the HCL report
 * from 0x01400001, quotes the PCRs under the HCL attestation key with the caller's nonce, and for
 * TDX asks Azure's metadata service to turn the TD report into a quote.
 */
public final class AzureGatherer {
  /** Size of the report-data NV index. */
  static final int REPORT_DATA_SIZE = 64;

  /** Largest TD quote accepted from the metadata service. */
  static final int MAX_QUOTE = 64 * 1024;

  private AzureGatherer() {}

  /**
   * Whether the vTPM holds an HCL report, as every Azure confidential VM's does from boot.
   *
   * @param s the vTPM settings (device)
   * @return {@code true} if NV index 0x01400001 exists; {@code false} if it does not, or the TPM
   *     cannot be asked
   */
  public static boolean hasHclReport(VtpmSettings s) {
    try (Tpm tpm = Tpm.open(s.device())) {
      return tpm.nvSize(AzureSettings.HCL_REPORT_NV_INDEX) >= 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Gathers.
   *
   * @param platform the Azure platform id
   * @param s the vTPM settings (device, AK handle, banks, event log)
   * @param azure the Azure settings
   * @param request the report data and nonce
   * @return the evidence
   * @throws AttestationException naming what is missing or failed
   */
  public static Evidence gather(
      String platform, VtpmSettings s, AzureSettings azure, EvidenceRequest request)
      throws AttestationException {
    Map<String, byte[]> att = new LinkedHashMap<>();
    byte[] hcl;
    Gatherer.Quoted q;
    try (Tpm tpm = Gatherer.open(s.device())) {
      byte[] data = Arrays.copyOf(request.reportData(), REPORT_DATA_SIZE);
      int size = tpm.nvSize(AzureSettings.REPORT_DATA_NV_INDEX);
      if (size >= 0 && size != REPORT_DATA_SIZE) {
        tpm.nvUndefine(AzureSettings.REPORT_DATA_NV_INDEX);
        size = -1;
      }
      if (size < 0) {
        tpm.nvDefine(AzureSettings.REPORT_DATA_NV_INDEX, REPORT_DATA_SIZE);
      }
      tpm.nvWrite(AzureSettings.REPORT_DATA_NV_INDEX, data);
      sleep(azure);
      if (tpm.nvSize(AzureSettings.HCL_REPORT_NV_INDEX) < 0) {
        throw new AttestationException(
            "no HCL report: NV index 0x01400001 does not exist on "
                + s.device()
                + " (not an Azure confidential VM?)");
      }
      hcl = tpm.nvRead(AzureSettings.HCL_REPORT_NV_INDEX);
      q = Gatherer.quote(tpm, s, request.nonce());
    } catch (IOException e) {
      throw new AttestationException("Azure vTPM " + s.device() + ": " + e.getMessage(), e);
    }
    att.put(VtpmAttachments.TPM_QUOTE, q.quotes().get(0).attest());
    att.put(VtpmAttachments.SIGNATURE, q.quotes().get(0).signature());
    att.put(
        VtpmAttachments.PCRS,
        PcrValues.write(
            Map.of(q.pcrs().keySet().iterator().next(), q.pcrs().values().iterator().next())));
    Gatherer.eventLog(s.eventLog()).ifPresent(l -> att.put(VtpmAttachments.EVENT_LOG, l));
    if (AzureVtpmProvider.AZURE_TDX_VTPM.equals(platform)) {
      HclReport parsed;
      try {
        parsed = HclReport.parse(hcl);
      } catch (MalformedException e) {
        throw new AttestationException(
            "the vTPM returned a malformed HCL report: " + e.getMessage());
      }
      byte[] td = Arrays.copyOf(parsed.hardwareReport(), HclReport.TD_REPORT_SIZE);
      att.put(VtpmAttachments.TD_QUOTE, tdQuote(azure, td));
    }
    return new Evidence(platform, hcl, att);
  }

  private static void sleep(AzureSettings azure) throws AttestationException {
    try {
      Thread.sleep(azure.refreshWait().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AttestationException("interrupted while the HCL report refreshed");
    }
  }

  /** POSTs {"report": base64url(TD report)} and returns the decoded {"quote": base64url}. */
  static byte[] tdQuote(AzureSettings azure, byte[] tdReport) throws AttestationException {
    String body =
        "{\"report\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(tdReport) + "\"}";
    HttpClient client = HttpClient.newBuilder().connectTimeout(azure.requestTimeout()).build();
    HttpRequest req =
        HttpRequest.newBuilder(azure.tdQuoteUrl())
            .timeout(azure.requestTimeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<byte[]> resp;
    try {
      resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new AttestationException(
          "cannot reach the TD quote service " + azure.tdQuoteUrl() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AttestationException("interrupted while fetching the TD quote");
    }
    if (resp.statusCode() != 200) {
      throw new AttestationException(
          "the TD quote service " + azure.tdQuoteUrl() + " answered HTTP " + resp.statusCode());
    }
    if (resp.body().length > MAX_QUOTE) {
      throw new AttestationException("the TD quote service's answer is too large");
    }
    try {
      Object o = Json.parse(resp.body(), "TD quote response");
      if (o instanceof Map<?, ?> m && m.get("quote") instanceof String b64) {
        return decode64(b64);
      }
    } catch (MalformedException | IllegalArgumentException e) {
      throw new AttestationException(
          "the TD quote service's answer is malformed: " + e.getMessage());
    }
    throw new AttestationException("the TD quote service's answer has no \"quote\"");
  }

  /** Base64url or standard, with or without padding (services differ). */
  static byte[] decode64(String s) {
    String t = s.trim().replace('+', '-').replace('/', '_');
    while (t.endsWith("=")) {
      t = t.substring(0, t.length() - 1);
    }
    return Base64.getUrlDecoder().decode(t.getBytes(StandardCharsets.US_ASCII));
  }
}
