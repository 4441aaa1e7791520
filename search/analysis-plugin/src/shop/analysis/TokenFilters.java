package shop.analysis;

import java.io.IOException;
import java.io.StringReader;
import java.text.ParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.TokenFilterFactory;

/**
 * Token filter factories, each built from one Lucene filter with Elasticsearch's settings.
 *
 * <p>A TokenFilterFactory has two jobs: name() and create(stream), which wraps a stream of
 * tokens in a Lucene filter. The factories implement the interface directly (no abstract base
 * class of the server), which keeps this file independent of server internals that change
 * between versions.
 */
final class TokenFilters {

    private TokenFilters() {}

    /** A factory whose create() applies `wrap`; `normalizes` also applies it to query terms
     * of prefix/fuzzy/wildcard queries (Elasticsearch's "normalize" step). */
    private static TokenFilterFactory factory(String name, boolean normalizes, UnaryOperator<TokenStream> wrap) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream stream) {
                return wrap.apply(stream);
            }

            @Override
            public TokenStream normalize(TokenStream stream) {
                return normalizes ? wrap.apply(stream) : stream;
            }
        };
    }

    /** "porter_stem": the classic Porter stemmer (lamps -> lamp, kettles -> kettl). */
    static TokenFilterFactory porterStem(String name) {
        return factory(name, false, PorterStemFilter::new);
    }

    /** "kstem": Krovetz, a lighter stemmer that keeps real words (kettles -> kettle). */
    static TokenFilterFactory kstem(String name) {
        return factory(name, false, KStemFilter::new);
    }

    /**
     * "stemmer" with a "language" (or its older spelling "name"). Only the English family is
     * here, with the classes Elasticsearch itself maps these names to; any other language is
     * refused with a message instead of silently not stemming.
     */
    static TokenFilterFactory stemmer(String name, Settings settings) {
        String language = settings.get("language", settings.get("name", "english"));
        UnaryOperator<TokenStream> wrap = switch (language.toLowerCase(Locale.ROOT)) {
            case "english", "porter" -> PorterStemFilter::new;
            case "light_english", "kstem" -> KStemFilter::new;
            case "minimal_english" -> EnglishMinimalStemFilter::new;
            case "possessive_english" -> EnglishPossessiveFilter::new;
            default -> throw new IllegalArgumentException(
                "[stemmer] language [" + language + "] is not in the shop-analysis plugin; "
                + "it has english, porter, light_english, minimal_english, possessive_english");
        };
        return factory(name, false, wrap);
    }

    /** "asciifolding": café -> cafe; with preserve_original both forms are kept. */
    static TokenFilterFactory asciiFolding(String name, Settings settings) {
        boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
        return factory(name, true, stream -> new ASCIIFoldingFilter(stream, preserveOriginal));
    }

    /** "edge_ngram" filter: lamp -> l, la, lam, lamp (min_gram 1, max_gram 2 by default). */
    static TokenFilterFactory edgeNGram(String name, Settings settings) {
        int minGram = settings.getAsInt("min_gram", 1);
        int maxGram = settings.getAsInt("max_gram", 2);
        boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
        return factory(name, false, stream -> new EdgeNGramTokenFilter(stream, minGram, maxGram, preserveOriginal));
    }

    /**
     * "synonym" with inline Solr-format rules ("synonyms": ["mug, cup", "tv => television"]),
     * "expand" (default true) and "lenient" is not supported. The rules are parsed once, here.
     *
     * <p>One difference from the built-in filter: Elasticsearch parses the rules with the
     * tokenizer and filters that come before the synonym filter in the analyzer; this one
     * always uses the standard tokenizer and lowercasing. Put it after "lowercase" (and before
     * any stemmer) and the two behave the same.
     */
    static TokenFilterFactory synonym(String name, Settings settings) {
        List<String> rules = settings.getAsList("synonyms", List.of());
        if (rules.isEmpty()) {
            throw new IllegalArgumentException(
                "synonym filter [" + name + "] needs a non-empty \"synonyms\" list "
                + "(synonyms_path and synonyms_set are not in the shop-analysis plugin)");
        }
        boolean expand = settings.getAsBoolean("expand", true);
        SynonymMap map = parseRules(name, rules, expand);
        // ignoreCase=false: the tokens are lowercased already, as the rules are.
        return factory(name, false, stream -> synonymFilter(stream, map));
    }

    /** Lucene deprecated SynonymFilter for SynonymGraphFilter (query-time multi-word
     * synonyms), but it is the filter Elasticsearch's own "synonym" type still uses, so the
     * same mapping indexes the same tokens here and on the official image. */
    @SuppressWarnings("deprecation")
    private static TokenStream synonymFilter(TokenStream stream, SynonymMap map) {
        return new SynonymFilter(stream, map, false);
    }

    private static SynonymMap parseRules(String name, List<String> rules, boolean expand) {
        Analyzer ruleAnalyzer = new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer tokenizer = new StandardTokenizer();
                return new TokenStreamComponents(tokenizer, new LowerCaseFilter(tokenizer));
            }
        };
        try (ruleAnalyzer) {
            SolrSynonymParser parser = new SolrSynonymParser(true, expand, ruleAnalyzer);
            parser.parse(new StringReader(String.join("\n", rules)));
            return parser.build();
        } catch (IOException | ParseException e) {
            throw new IllegalArgumentException("synonym filter [" + name + "]: bad rule: " + e.getMessage(), e);
        }
    }
}
