package shop.analysis;

import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.TokenizerFactory;

/**
 * "edge_ngram" tokenizer: min_gram (1), max_gram (2) and token_chars, the character classes
 * that belong to a token (letter, digit, whitespace, punctuation, symbol; none given = every
 * character, as in Elasticsearch). Other characters split tokens, so with [letter, digit]
 * "Oak Lamp" gives o, oa, oak, l, la, lam, lamp (with max_gram 4).
 */
final class EdgeNGramTokenizerFactory {

    private EdgeNGramTokenizerFactory() {}

    static TokenizerFactory create(String name, Settings settings) {
        int minGram = settings.getAsInt("min_gram", 1);
        int maxGram = settings.getAsInt("max_gram", 2);
        IntPredicate tokenChar = tokenChars(name, settings.getAsList("token_chars", List.of()));
        // newFactory(name, supplier): a factory whose create() calls the supplier.
        return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(minGram, maxGram) {
            @Override
            protected boolean isTokenChar(int chr) {
                return tokenChar.test(chr);
            }
        });
    }

    private static IntPredicate tokenChars(String name, List<String> classes) {
        IntPredicate accepted = chr -> classes.isEmpty();
        for (String characterClass : classes) {
            IntPredicate test = switch (characterClass.toLowerCase(Locale.ROOT)) {
                case "letter" -> Character::isLetter;
                case "digit" -> Character::isDigit;
                case "whitespace" -> Character::isWhitespace;
                case "punctuation" -> EdgeNGramTokenizerFactory::isPunctuation;
                case "symbol" -> EdgeNGramTokenizerFactory::isSymbol;
                default -> throw new IllegalArgumentException(
                    "edge_ngram tokenizer [" + name + "]: unknown token_chars class [" + characterClass
                    + "]; use letter, digit, whitespace, punctuation or symbol");
            };
            accepted = accepted.or(test);
        }
        return accepted;
    }

    private static boolean isPunctuation(int chr) {
        return switch (Character.getType(chr)) {
            case Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isSymbol(int chr) {
        return switch (Character.getType(chr)) {
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
