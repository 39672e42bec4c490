package io.predictor.admin.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlatJsonParserTest {

    @Test
    void parsesAFlatObjectOfStringsBooleansIntegersAndNull() throws Exception {
        Map<String, Object> m = FlatJsonParser.parseObject(
                " {\"state\":\"migrated\", \"force\":true, \"n\":-12, \"group\":null, \"esc\":\"a\\\"\\u00e9\\n\"} ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("state", "migrated");
        expected.put("force", true);
        expected.put("n", -12L);
        expected.put("group", null);
        expected.put("esc", "a\"é\n");
        assertThat(m).containsExactlyEntriesOf(expected);
        assertThat(FlatJsonParser.parseObject("{}")).isEmpty();
    }

    @Test
    void refusesWhatTheApiDoesNotTake() {
        for (String bad : List.of("", "[]", "{", "{\"a\":1,}", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":1.5}",
                "{\"a\":tru}", "{\"a\":1} x", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":\"\u0001\"}",
                "{\"a\":01}", "{\"a\":\"\\x\"}", "{\"a\":99999999999999999999}")) {
            assertThatThrownBy(() -> FlatJsonParser.parseObject(bad)).as(bad)
                    .isInstanceOf(JsonSyntaxException.class).hasMessageContaining("offset");
        }
    }

    @Test
    void writerEscapesAndKeepsOrderAndNulls() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "x\"y\\z\u0001é");
        m.put("a", Arrays.asList(1, null, true));
        m.put("n", null);
        m.put("o", new JsonObject().put("k", 2L));
        assertThat(Json.write(m)).isEqualTo("{\"b\":\"x\\\"y\\\\z\\u0001\\u00e9\",\"a\":[1,null,true],\"n\":null,\"o\":{\"k\":2}}");
    }

    @Test
    void writtenObjectsParseBack() throws Exception {
        String text = new JsonObject().put("state", "hold").put("force", false).put("rev", 42L).toString();
        assertThat(FlatJsonParser.parseObject(text)).containsEntry("state", "hold").containsEntry("force", false)
                .containsEntry("rev", 42L);
    }

    /**
     * Security review: a backslash-u escape must be exactly four hex digits (RFC 8259 section 7).
     * The parser hands the four characters to Integer.parseInt(_, 16), which also takes a sign:
     * backslash-u "+06C" was read as 'l' and "-001" as U+FFFF, so invalid JSON was accepted
     * (here the state "[backslash-u]+06Cegacy" parsed as "legacy"); Character.digit also takes
     * non-ASCII digits, so fullwidth or Arabic-Indic "0041" was read as 'A'.
     */
    @Test
    void aUnicodeEscapeTakesFourHexDigitsAndNoSign() {
        List<String> accepted = new java.util.ArrayList<>();
        for (String bad : List.of("{\"state\":\"\\u+06Cegacy\"}", "{\"a\":\"\\u-001\"}",
                "{\"a\":\"\\u+fff\"}",
                // non-ASCII digits, which Character.digit also takes: fullwidth and Arabic-Indic "0041"
                "{\"a\":\"\\u\uff10\uff10\uff14\uff11\"}", "{\"a\":\"\\u\u0660\u0660\u0664\u0661\"}")) {
            try {
                accepted.add(bad + " -> " + Json.write(FlatJsonParser.parseObject(bad)));
            } catch (JsonSyntaxException expected) {
                // right
            }
        }
        assertThat(accepted).as("invalid escapes accepted").isEmpty();
    }
}
