package io.predictor.core.http;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link HeadParser#parseResponse} (an origin's answer) on arbitrary
 * bytes, with the properties of {@link RequestHeadFuzzTest}: a head is accepted with its exact
 * length or refused with 502, never an exception.
 */
class ResponseHeadFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @DictionaryFile(resourcePath = "ResponseHeadFuzzTest.dict")
    void response(byte[] input) {
        HttpHead[] head = new HttpHead[1];
        HeadChecks.Outcome whole = HeadChecks.parseWhole(input, false, head);
        HeadChecks.checkAgainstOracle(input, whole, false);
        if (whole.result() > 0) {
            HeadChecks.checkHead(input, 0, whole.result(), head[0], false);
            HeadChecks.checkReparse(input, 0, whole.result(), false);
        }
        HeadChecks.checkPieces(input, whole, false, 1);
    }
}
