#!/bin/sh
# The algorithm inside the image: counts the words of every dataset together.
# Reads /cocos/datasets (read-only), writes /cocos/results/word-counts.csv (word,count, most
# frequent first) and /cocos/results/summary.txt. Its one argument is how many of the most
# frequent words to print (the image's default, CMD, is 10).
set -eu
top="${1:-10}"
case "$top" in ''|*[!0-9]*) echo "wordcount: the argument must be a number, got '$top'" >&2; exit 2 ;; esac
cd /cocos
datasets="$(ls datasets | wc -l)"
[ "$datasets" -gt 0 ] || { echo "wordcount: no datasets" >&2; exit 1; }
echo "counting words in $datasets datasets"
cat datasets/* | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '\n' | grep -v '^$' \
  | sort | uniq -c | sort -k1,1nr -k2,2 | awk '{ print $2 "," $1 }' > results/word-counts.csv
words="$(awk -F, '{ n += $2 } END { print n + 0 }' results/word-counts.csv)"
distinct="$(wc -l < results/word-counts.csv)"
{
  echo "datasets: $datasets"
  echo "words: $words"
  echo "distinct words: $distinct"
  echo "top $top:"
  head -n "$top" results/word-counts.csv | awk -F, '{ printf "  %-12s %s\n", $1, $2 }'
} > results/summary.txt
cat results/summary.txt
