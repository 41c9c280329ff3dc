package ai.cocos.tee.vtpm.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the small JSON documents of vTPM evidence (PCR files, Azure runtime data, evidence
 * containers) with the attestation bundle's strict reader (no duplicate keys, bounded depth), after
 * a strict UTF-8 decode.
 */
public final class Json {
  /** The largest document accepted. */
  static final int MAX_BYTES = 4 * 1024 * 1024;

  private Json() {}

  /**
   * Parses a document.
   *
   * @param json the bytes (UTF-8)
   * @param what the document's name for error messages
   * @return a map, list, string, number, boolean or {@link ai.cocos.attestation.Json#NULL}
   * @throws MalformedException if it is not one well-formed JSON value
   */
  public static Object parse(byte[] json, String what) throws MalformedException {
    if (json.length > MAX_BYTES) {
      throw new MalformedException(what + ": larger than " + MAX_BYTES + " bytes");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(json))
              .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedException(what + ": not UTF-8 text");
    }
    try {
      return ai.cocos.attestation.Json.parse(text);
    } catch (ai.cocos.attestation.Json.JsonException e) {
      throw new MalformedException(what + ": " + e.getMessage());
    }
  }
}
