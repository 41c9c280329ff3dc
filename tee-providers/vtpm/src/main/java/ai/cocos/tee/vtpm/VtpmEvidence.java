package ai.cocos.tee.vtpm;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.tee.vtpm.internal.Json;
import ai.cocos.tee.vtpm.internal.MalformedException;
import ai.cocos.tee.vtpm.internal.TpmAlg;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link Evidence} for the vTPM platforms from the files other tools write, so the CLI can
 * verify them: CocosAI's (go-tpm-tools) vTPM attestation, and the Azure evidence JSON of
 * confidential-containers' trustee (versions 0 and 2) or its separate HCL report and TPM quote.
 */
public final class VtpmEvidence {
  private static final HexFormat HEX = HexFormat.of();

  private VtpmEvidence() {}

  /**
   * Evidence from a go-tpm-tools {@code attest.Attestation} protobuf (what CocosAI's vTPM
   * attestation returns), optionally with certificates completing the AK certificate's chain.
   *
   * @param protobuf the serialized attestation
   * @param chain PEM certificates, or empty
   * @return platform-{@code vtpm} evidence
   */
  public static Evidence fromGoTpmTools(byte[] protobuf, byte[] chain) {
    Map<String, byte[]> att = new LinkedHashMap<>();
    if (chain.length > 0) {
      att.put(VtpmAttachments.AK_CHAIN, chain);
    }
    return new Evidence(TeeProvider.VTPM, protobuf, att);
  }

  /**
   * Evidence from trustee's Azure SEV-SNP evidence JSON: version 2 ({@code hcl_report} base64url,
   * {@code tpm_quote} {@code {message, signature, pcrs}} in hex, {@code vcek} base64url DER) or
   * version 0 ({@code report}, {@code quote} as byte arrays, {@code vcek} PEM).
   *
   * @param json the evidence document
   * @return platform-{@code azure-snp-vtpm} evidence; the VCEK travels as {@code snp.vcek}
   * @throws IllegalArgumentException naming what is missing or malformed
   */
  public static Evidence fromTrusteeAzureSnp(byte[] json) {
    Map<?, ?> m = object(json, "Azure evidence");
    Map<String, byte[]> att = new LinkedHashMap<>();
    byte[] hcl;
    Map<?, ?> quote;
    if (m.get("hcl_report") instanceof String h && m.get("tpm_quote") instanceof Map<?, ?> q) {
      hcl = base64(h, "hcl_report");
      quote = q;
    } else if (m.get("report") instanceof List<?> r && m.get("quote") instanceof Map<?, ?> q) {
      hcl = bytes(r, "report");
      quote = q;
    } else {
      throw new IllegalArgumentException(
          "Azure evidence: expected hcl_report and tpm_quote (version 2) or report and quote"
              + " (version 0)");
    }
    tpmQuote(quote, att);
    Object vcek = m.get("vcek");
    if (vcek instanceof String v) {
      att.put(
          VtpmAttachments.SNP_PREFIX + "vcek",
          v.contains("-----BEGIN") ? v.getBytes(StandardCharsets.US_ASCII) : base64(v, "vcek"));
    }
    return new Evidence(AzureVtpmProvider.AZURE_SNP_VTPM, hcl, att);
  }

  /**
   * Evidence from an HCL report and a TPM quote JSON ({@code {"message": hex, "signature": hex,
   * "pcrs": [hex, ...]}}, as Azure's and trustee's tools write it).
   *
   * @param platform {@link AzureVtpmProvider#AZURE_SNP_VTPM} or {@link
   *     AzureVtpmProvider#AZURE_TDX_VTPM}
   * @param hclReport the HCL report
   * @param tpmQuoteJson the quote document
   * @param extra further attachments (e.g. {@code td_quote}, {@code snp.vcek})
   * @return the evidence
   * @throws IllegalArgumentException naming what is malformed
   */
  public static Evidence azure(
      String platform, byte[] hclReport, byte[] tpmQuoteJson, Map<String, byte[]> extra) {
    Map<String, byte[]> att = new LinkedHashMap<>(extra);
    tpmQuote(object(tpmQuoteJson, "TPM quote"), att);
    return new Evidence(platform, hclReport, att);
  }

  private static void tpmQuote(Map<?, ?> q, Map<String, byte[]> att) {
    att.put(VtpmAttachments.TPM_QUOTE, field(q.get("message"), "quote message"));
    att.put(VtpmAttachments.SIGNATURE_RAW, field(q.get("signature"), "quote signature"));
    if (!(q.get("pcrs") instanceof List<?> pcrs) || pcrs.isEmpty() || pcrs.size() > 24) {
      throw new IllegalArgumentException("TPM quote: pcrs must be an array of up to 24 values");
    }
    Map<Integer, Map<Integer, byte[]>> bank = new LinkedHashMap<>();
    Map<Integer, byte[]> values = new LinkedHashMap<>();
    for (int i = 0; i < pcrs.size(); i++) {
      values.put(i, field(pcrs.get(i), "pcrs[" + i + "]"));
    }
    bank.put(TpmAlg.SHA256, values);
    att.put(VtpmAttachments.PCRS, pcrJson(bank));
  }

  private static byte[] pcrJson(Map<Integer, Map<Integer, byte[]>> pcrs) {
    StringBuilder sb = new StringBuilder("{");
    pcrs.forEach(
        (b, v) -> {
          sb.append('"').append(TpmAlg.bankName(b)).append("\":{");
          StringBuilder inner = new StringBuilder();
          v.forEach(
              (i, x) ->
                  inner
                      .append(inner.length() == 0 ? "" : ",")
                      .append('"')
                      .append(i)
                      .append("\":\"")
                      .append(HEX.formatHex(x))
                      .append('"'));
          sb.append(inner).append('}');
        });
    return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A hex string or an array of byte values. */
  private static byte[] field(Object v, String what) {
    if (v instanceof String s) {
      try {
        return HEX.parseHex(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": not hex");
      }
    }
    if (v instanceof List<?> l) {
      return bytes(l, what);
    }
    throw new IllegalArgumentException(what + ": missing");
  }

  private static byte[] bytes(List<?> l, String what) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(l.size());
    for (Object o : l) {
      if (!(o instanceof Long n) || n < 0 || n > 255) {
        throw new IllegalArgumentException(what + ": expected an array of byte values 0-255");
      }
      out.write(n.intValue());
    }
    return out.toByteArray();
  }

  private static byte[] base64(String s, String what) {
    try {
      String t = s.trim().replace('+', '-').replace('/', '_').replace("=", "");
      return Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": not base64");
    }
  }

  private static Map<?, ?> object(byte[] json, String what) {
    try {
      if (Json.parse(json, what) instanceof Map<?, ?> m) {
        return m;
      }
    } catch (MalformedException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    throw new IllegalArgumentException(what + ": not a JSON object");
  }
}
