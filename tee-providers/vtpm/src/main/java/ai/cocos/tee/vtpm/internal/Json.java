package ai.cocos.tee.vtpm.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads small JSON documents (PCR files, Azure runtime data, evidence containers) into plain maps,
 * lists, strings, numbers and booleans with Jackson's streaming parser, which loads far faster than
 * data binding. Duplicate keys are rejected: two values for one key would let different readers see
 * different documents.
 */
public final class Json {
  /** Nesting limit: the documents read here are a few levels deep. */
  static final int MAX_DEPTH = 32;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxStringLength(16 << 20)
                  .build())
          .build();

  private Json() {}

  /**
   * Parses a document.
   *
   * @param json the bytes (UTF-8)
   * @param what the document's name for error messages
   * @return a map, list, string, number, boolean or {@code null}
   * @throws MalformedException if it is not one well-formed JSON value
   */
  public static Object parse(byte[] json, String what) throws MalformedException {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new MalformedException(what + ": empty document");
      }
      Object v = value(p, t, what);
      if (p.nextToken() != null) {
        throw new MalformedException(what + ": data after the JSON value");
      }
      return v;
    } catch (JsonProcessingException e) {
      throw new MalformedException(what + ": not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedException(what + ": not readable: " + e.getMessage());
    }
  }

  private static Object value(JsonParser p, JsonToken t, String what)
      throws IOException, MalformedException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          if (m.containsKey(name)) {
            throw new MalformedException(what + ": key \"" + name + "\" appears twice");
          }
          m.put(name, value(p, p.nextToken(), what));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          l.add(value(p, e, what));
        }
        return l;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDecimalValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new MalformedException(what + ": unexpected " + t);
    }
  }
}
