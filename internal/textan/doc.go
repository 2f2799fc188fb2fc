// Package textan owns text analytics on customers' words: segmentation of
// Chinese (gse with its embedded dictionary plus a domain dictionary) and
// English (lower case, stopwords, Snowball stemming), mixed text with model
// numbers, TF-IDF keywords against the company's own document frequencies,
// terms rising between two periods, a lexicon sentiment baseline, and a linear
// classifier (hashed word and character n-grams, multinomial logistic
// regression) with stratified cross-validation and its metrics.
//
// It is pure: no database, no HTTP, no clock, no package-level state. The
// caller creates one Segmenter and shares it; the dictionary loads on first
// use.
package textan
