/* morphpattern.c: the plain-language pattern line of a sample's red-cell morphology, from class shares or geometry */
/*
 * Two rules, one per kind of evidence.  With the classifier's classes
 * (models/v1-rbcmorph) the line names the group of abnormal classes
 * with the largest share of the classified cells; without them
 * (classifier not installed, results saved before it) the geometry cuts
 * of rbcmorph.c.  Every line names what would confirm it and ends "Not a
 * diagnosis."; every cut is unverified (docs/morphology.md).  The line's
 * withholding below a minimum of cells is morphsum.c's.
 */

#include "clinical/morphpattern.h"

#include <stddef.h>
#include <string.h>

static const char *const	 EN_MICRO_HYPO = "Small pale red cells "
    "(microcytic hypochromic pattern): consistent with iron deficiency or "
    "thalassaemia trait; confirm with haemoglobin and ferritin. Not a "
    "diagnosis.";
static const char *const	 EN_HYPO = "Many red cells with a large pale "
    "centre (hypochromic pattern): consistent with iron deficiency or "
    "thalassaemia trait; confirm with haemoglobin and ferritin. Not a "
    "diagnosis.";
static const char *const	 EN_MACRO = "Large red cells (macrocytic "
    "pattern): consistent with vitamin B12 or folate deficiency among other "
    "causes; confirm with a blood count and vitamin levels. Not a "
    "diagnosis.";
static const char *const	 EN_ELLIP = "Many elongated red cells "
    "(elliptocytes): seen in hereditary elliptocytosis and in iron "
    "deficiency; confirm with a film review by a specialist. Not a "
    "diagnosis.";

const char *
morphpattern_geometry(double mean_um, double hypo, double ellip,
    const char **en)
{
	int	 pale = hypo >= MORPHPAT_HYPO_SHARE;

	if (pale && mean_um > 0 && mean_um < MORPHPAT_MICRO_UM) {
		*en = EN_MICRO_HYPO;
		return "morph_pattern_micro_hypo";
	}
	if (pale) {
		*en = EN_HYPO;
		return "morph_pattern_hypo";
	}
	if (mean_um > MORPHPAT_MACRO_UM) {
		*en = EN_MACRO;
		return "morph_pattern_macro";
	}
	if (ellip >= MORPHPAT_ELLIP_SHARE) {
		*en = EN_ELLIP;
		return "morph_pattern_ellip";
	}
	*en = "No size, pallor or elongation pattern among the measured red "
	    "cells. Not a diagnosis.";
	return "morph_pattern_none";
}

/* The share of class name among the classified cells (0 when absent). */
static double
share_of(const struct morphpattern_classes *c, const char *name)
{
	for (int k = 0; k < c->n; k++)
		if (c->name[k] != NULL && strcmp(c->name[k], name) == 0)
			return c->share[k];
	return 0;
}

/* The small/pale group's line: both kinds, or the larger one. */
static const char *
small_pale(double micro, double hypo, const char **en)
{
	if (micro >= MORPHPAT_CLASS_MINOR && hypo >= MORPHPAT_CLASS_MINOR) {
		*en = EN_MICRO_HYPO;
		return "morph_pattern_micro_hypo";
	}
	if (hypo >= micro) {
		*en = EN_HYPO;
		return "morph_pattern_hypo";
	}
	*en = "Small red cells (microcytic pattern): consistent with iron "
	    "deficiency or thalassaemia trait; confirm with haemoglobin and "
	    "ferritin. Not a diagnosis.";
	return "morph_pattern_micro";
}

/* The class groups, in the order that breaks a tie. */
enum { G_SMALL_PALE, G_MACRO, G_ELLIP, G_SPHERO, G_TARGET, G_SCHISTO, G_N };

const char *
morphpattern_classes(const struct morphpattern_classes *c, const char **en)
{
	double	 micro = share_of(c, "microcyte");
	double	 hypo = share_of(c, "hypochromia");
	double	 g[G_N];
	int	 best = 0;

	g[G_SMALL_PALE] = micro + hypo;
	g[G_MACRO] = share_of(c, "macrocyte");
	g[G_ELLIP] = c->elongated >= MORPHPAT_ELLIP_GEOM ?
	    share_of(c, "elliptocyte") : 0;
	g[G_SPHERO] = share_of(c, "spherocyte");
	g[G_TARGET] = share_of(c, "target");
	g[G_SCHISTO] = share_of(c, "schistocyte");
	for (int k = 1; k < G_N; k++)
		if (g[k] > g[best])
			best = k;
	if (!(g[best] >= MORPHPAT_CLASS_SHARE)) {
		*en = "No leading abnormal red-cell shape among the classified "
		    "cells. Not a diagnosis.";
		return "morph_pattern_none_classes";
	}
	switch (best) {
	case G_SMALL_PALE:
		return small_pale(micro, hypo, en);
	case G_MACRO:
		*en = EN_MACRO;
		return "morph_pattern_macro";
	case G_ELLIP:
		*en = EN_ELLIP;
		return "morph_pattern_ellip";
	case G_SPHERO:
		*en = "Many spherocytes (round red cells without central "
		    "pallor): seen in hereditary spherocytosis and immune "
		    "haemolysis; confirm with a direct antiglobulin test and a "
		    "film review by a specialist. Not a diagnosis.";
		return "morph_pattern_sphero";
	case G_TARGET:
		*en = "Many target cells: seen in thalassaemia, haemoglobin C "
		    "or E disease and liver disease; confirm with haemoglobin "
		    "studies and a film review by a specialist. Not a "
		    "diagnosis.";
		return "morph_pattern_target";
	default:
		*en = "Many red-cell fragments (schistocytes): red cells "
		    "damaged in the circulation, thrombotic microangiopathy "
		    "among other causes; have a specialist review the film "
		    "promptly, with a platelet count. Not a diagnosis.";
		return "morph_pattern_schisto";
	}
}
