// Names, birth years and photo years of the synthetic celebrities.
#include "synth_people.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "synth_random.hpp"

namespace faceage::synth {
namespace {

// Syllables for made-up names, plus a few real-looking names with the accents and apostrophes that
// CACD's names contain, so that code reading the set meets UTF-8 and quotes in file names.
const std::vector<std::string> kFirstStart = {"Ro", "Ma", "Jo", "Ka", "Le", "Da", "Mi", "Sa", "E", "A",
                                              "Ja", "Bri", "Cla", "Ni", "Tho", "Vi", "Lu", "Ga", "He", "Ca"};
const std::vector<std::string> kFirstEnd = {"bin", "ry", "na", "el", "son", "la", "mas", "ter", "lie", "ra",
                                            "den", "rick", "sa", "ron", "nie", "lyn", "vin", "da", "tin", "ma"};
const std::vector<std::string> kFirstSpecial = {"José",  "Zoë",  "Renée", "Chloé",
                                                "Björn", "Søren", "Ángel", "Inés"};
const std::vector<std::string> kLastStart = {"Wil", "Har", "Mor", "Hol", "Fer", "Kow", "Ste", "Car", "Lo", "Mon",
                                             "Sil", "Bren", "Dal", "Gar", "Pem", "Rus", "Tal", "Wes", "Bar", "Qui"};
const std::vector<std::string> kLastMiddle = {"li", "ra", "de", "ber", "an", "o", "ing", "el"};
const std::vector<std::string> kLastEnd = {"ams", "ris", "gan", "den", "son", "ski", "vens", "thy", "pez", "roe",
                                           "va", "ton", "ley", "man", "ford", "well", "by", "ner", "ett", "ez"};
const std::vector<std::string> kLastSpecial = {"Peña", "Müller", "Núñez", "Gómez", "Lefèvre", "Brontë"};
const std::vector<std::string> kApostrophePrefix = {"O'", "D'"};

std::string first_name(Rng& rng) {
  if (rng.chance(0.12)) return rng.pick(kFirstSpecial);
  return rng.pick(kFirstStart) + rng.pick(kFirstEnd);
}

std::string last_name(Rng& rng) {
  if (rng.chance(0.08)) return rng.pick(kLastSpecial);
  std::string name = rng.pick(kLastStart);
  if (rng.chance(0.3)) name += rng.pick(kLastMiddle);
  name += rng.pick(kLastEnd);
  if (rng.chance(0.1)) name = rng.pick(kApostrophePrefix) + name;  // "O'Wilson"
  return name;
}

// Age in 2004 of an identity centred on each age group; the plan adds -3..+3 years.
constexpr int kAgeIn2004[6] = {11, 20, 30, 40, 50, 58};
// Photos outside the identity's own group are drawn with this weight relative to those inside.
constexpr double kSpillWeight = 0.3;

std::vector<int> photo_years(int birth, int group, int count, Rng& rng) {
  std::vector<int> years;
  std::vector<double> weights;
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    const int age = year - birth;
    if (age < kMinAge || age > kMaxAge) continue;
    years.push_back(year);
    weights.push_back(age / 10 == group + 1 ? 1.0 : kSpillWeight);
  }
  double total = 0;
  for (double w : weights) total += w;
  std::vector<int> chosen;
  for (int i = 0; i < count; ++i) {
    double u = rng.uniform(0, total);
    size_t k = 0;
    while (k + 1 < years.size() && u >= weights[k]) u -= weights[k++];
    chosen.push_back(years[k]);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace

CacdPlan plan_cacd(int identities, int per_identity, uint64_t seed) {
  Rng rng(derive_seed(seed, 0));
  CacdPlan plan;
  std::set<std::string> used;
  for (int i = 0; i < identities; ++i) {
    Celebrity person;
    do person.name = first_name(rng) + "_" + last_name(rng);
    while (!used.insert(person.name).second);
    person.identity = i + 1;
    const int group = i % 6;
    person.birth = kFirstYear - (kAgeIn2004[group] + rng.integer(-3, 3));
    person.rank = rng.integer(1, 50);
    person.lfw = rng.chance(0.25) ? 1 : 0;

    // CACD numbers the photos of one person in one year from 0001, with gaps where photos were
    // dropped; the age in the file name makes the names unique.
    std::map<int, int> next_number;
    for (int year : photo_years(person.birth, group, per_identity, rng)) {
      int& number = next_number.try_emplace(year, 1).first->second;
      CacdImage image;
      image.identity = person.identity;
      image.year = year;
      image.age = year - person.birth;
      char digits[16];
      std::snprintf(digits, sizeof digits, "%04d", number);
      image.file = std::to_string(image.age) + "_" + person.name + "_" + digits + ".jpg";
      number += rng.chance(0.3) ? rng.integer(2, 4) : 1;
      plan.images.push_back(std::move(image));
    }
    plan.celebrities.push_back(std::move(person));
  }
  return plan;
}

}  // namespace faceage::synth
