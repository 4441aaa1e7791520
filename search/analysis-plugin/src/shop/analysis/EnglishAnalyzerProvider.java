package shop.analysis;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerScope;

/**
 * The "english" analyzer: standard tokenizer, possessive removal (shop's -> shop), lowercase,
 * English stop words, Porter stemming. Settings as in Elasticsearch: "stopwords" (default
 * _english_) and "stem_exclusion" (words never stemmed), parsed by the server's own helpers.
 */
final class EnglishAnalyzerProvider implements AnalyzerProvider<EnglishAnalyzer> {

    private final String name;
    private final EnglishAnalyzer analyzer;

    EnglishAnalyzerProvider(Environment env, String name, Settings settings) {
        this.name = name;
        this.analyzer = new EnglishAnalyzer(
            Analysis.parseStopWords(env, settings, EnglishAnalyzer.getDefaultStopSet()),
            Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AnalyzerScope scope() {
        return AnalyzerScope.INDEX;  // one instance per index, built from that index's settings
    }

    @Override
    public EnglishAnalyzer get() {
        return analyzer;
    }
}
