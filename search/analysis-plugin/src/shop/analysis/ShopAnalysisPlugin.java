package shop.analysis;

import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The analysis pieces the shop's search mapping needs, under Elasticsearch's own names.
 *
 * <p>The server distribution on Maven Central ships without the analysis-common module, so
 * names like "english" or "porter_stem" are unknown to it. This plugin registers them again,
 * built from the same Lucene classes (they are in the distribution's lib/), so one mapping
 * works here and on the official Docker image, where they are built in.
 *
 * <p>For Python readers: Elasticsearch loads this class by the name written in
 * plugin-descriptor.properties and asks it, through the AnalysisPlugin interface, for three
 * dictionaries: name -> "provider". A provider is a function (a lambda, "(a, b) -> ...") that
 * Elasticsearch calls with an index's settings and the settings of one analysis component
 * (e.g. {"type": "edge_ngram", "min_gram": 2}) and that returns a factory for that component.
 */
public final class ShopAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        // Each lambda gets (index settings, environment, component name, component settings).
        return Map.of(
            "porter_stem", (index, env, name, settings) -> TokenFilters.porterStem(name),
            "kstem", (index, env, name, settings) -> TokenFilters.kstem(name),
            "stemmer", (index, env, name, settings) -> TokenFilters.stemmer(name, settings),
            "asciifolding", (index, env, name, settings) -> TokenFilters.asciiFolding(name, settings),
            "edge_ngram", (index, env, name, settings) -> TokenFilters.edgeNGram(name, settings),
            // requiresAnalysisSettings: a synonym filter makes no sense without its rules,
            // so Elasticsearch must not build a default instance of it.
            "synonym", AnalysisPlugin.requiresAnalysisSettings(
                (index, env, name, settings) -> TokenFilters.synonym(name, settings))
        );
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of(
            "edge_ngram", (index, env, name, settings) -> EdgeNGramTokenizerFactory.create(name, settings)
        );
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of(
            "english", (index, env, name, settings) -> new EnglishAnalyzerProvider(env, name, settings)
        );
    }
}
