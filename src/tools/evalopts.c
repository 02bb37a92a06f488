/* evalopts.c: bv-eval's command line */

#include "tools/evalopts.h"
#include "tools/voc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
evalopts_usage(void)
{
	fprintf(stderr,
	    "usage: bv-eval --cfg CFG --weights W --names N --dataset DIR [--split test]\n"
	    "  [--thresh T | --thresh-rbc T --thresh-wbc T --thresh-plt T] [--nms 0.45]\n"
	    "  [--ap-thresh 0.005] [--threads 2] [--tune] [--json] [--limit N]\n"
	    "  [--hue DEG] [--gain F] [--rescale F] [--zoom F] [--stock] [--per-image]\n"
	    "  [--blur SIGMA] [--jpeg Q] [--od-gain R,G,B]   (defocus, JPEG round trip,\n"
	    "   stain-like optical-density gains per channel)\n"
	    "  [--letterbox | --remember] [--wide N [--eyepiece WxH]] [--rbc-net-px 47]\n"
	    "  [--resample bilinear|area]   (the tiled path's working copy)\n"
	    "  [--dets-dir DIR]   (DIR/<id>.txt: class conf xmin ymin xmax ymax)\n"
	    "  [--engine darknet|xnnpack|xnnpack-int8]   (the detector's engine)\n"
	    "--stock runs libdarknet's own gemm/im2col/... (to time the stock path)\n");
}

/* Options with a value; 0, or 2 (usage). */
static int
opt_value(struct eval_opts *o, const char *a, const char *v)
{
	if (strcmp(a, "--cfg") == 0) o->cfg = v;
	else if (strcmp(a, "--weights") == 0) o->weights = v;
	else if (strcmp(a, "--names") == 0) o->names = v;
	else if (strcmp(a, "--dataset") == 0) o->dataset = v;
	else if (strcmp(a, "--split") == 0) o->split = v;
	else if (strcmp(a, "--dets-dir") == 0) o->dets_dir = v;
	else if (strcmp(a, "--thresh") == 0) o->thr[0] = o->thr[1] = o->thr[2] = strtof(v, NULL);
	else if (strcmp(a, "--thresh-rbc") == 0) o->thr[VOC_RBC] = strtof(v, NULL);
	else if (strcmp(a, "--thresh-wbc") == 0) o->thr[VOC_WBC] = strtof(v, NULL);
	else if (strcmp(a, "--thresh-plt") == 0) o->thr[VOC_PLATELETS] = strtof(v, NULL);
	else if (strcmp(a, "--ap-thresh") == 0) o->ap_thresh = strtof(v, NULL);
	else if (strcmp(a, "--nms") == 0) o->nms = strtof(v, NULL);
	else if (strcmp(a, "--threads") == 0) o->threads = atoi(v);
	else if (strcmp(a, "--limit") == 0) o->limit = atoi(v);
	else if (strcmp(a, "--hue") == 0) o->hue = strtof(v, NULL);
	else if (strcmp(a, "--gain") == 0) o->gain = strtof(v, NULL);
	else if (strcmp(a, "--blur") == 0) o->blur = strtof(v, NULL);
	else if (strcmp(a, "--jpeg") == 0) o->jpeg = atoi(v);
	else if (strcmp(a, "--od-gain") == 0) {
		if (sscanf(v, "%f,%f,%f", &o->od[0], &o->od[1], &o->od[2]) != 3)
			return 2;
	}
	else if (strcmp(a, "--rescale") == 0) o->rescale = strtof(v, NULL);
	else if (strcmp(a, "--zoom") == 0) o->zoom = strtof(v, NULL);
	else if (strcmp(a, "--engine") == 0) o->engine = v;
	else if (strcmp(a, "--wide") == 0) o->wide = atoi(v);
	else if (strcmp(a, "--resample") == 0) {
		if (strcmp(v, "area") == 0) o->area = 1;
		else if (strcmp(v, "bilinear") != 0) return 2;
	}
	else if (strcmp(a, "--rbc-net-px") == 0) o->rbc_net_px = strtod(v, NULL);
	else if (strcmp(a, "--eyepiece") == 0) {
		if (sscanf(v, "%dx%d", &o->eye_w, &o->eye_h) != 2) return 2;
	}
	else return 2;
	return 0;
}

/* The command line into o; 0, or 2 (usage printed). */
int
evalopts_parse(int argc, char **argv, struct eval_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) { o->json = 1; continue; }
		if (strcmp(a, "--tune") == 0) { o->tune = 1; continue; }
		if (strcmp(a, "--per-image") == 0) { o->per_image = 1; continue; }
		if (strcmp(a, "--stock") == 0) { o->stock = 1; continue; }
		if (strcmp(a, "--letterbox") == 0) { o->letterbox = 1; continue; }
		if (strcmp(a, "--remember") == 0) { o->remember = 1; continue; }
		if (v == NULL || opt_value(o, a, v) != 0) { evalopts_usage(); return 2; }
		i++;
	}
	if (!o->cfg || !o->weights || !o->names || !o->dataset || o->gain <= 0 ||
	    o->blur < 0 || o->blur > 8 || o->jpeg < 0 || o->jpeg > 100 ||
	    !(o->od[0] > 0 && o->od[1] > 0 && o->od[2] > 0 && o->od[0] <= 4 &&
	    o->od[1] <= 4 && o->od[2] <= 4) ||
	    o->rescale <= 0.05f || o->rescale > 4 ||
	    !(o->zoom >= 0.25f && o->zoom <= 4) || o->wide < 0 || o->wide > 8 ||
	    (o->wide > 0 && o->zoom != 1) || (o->eye_w > 0 && o->wide == 0) ||
	    (o->eye_w > 0 && (o->eye_w > 20000 || o->eye_h < 1 || o->eye_h > 20000)) ||
	    !(o->rbc_net_px > 4)) {
		evalopts_usage();
		return 2;
	}
	return 0;
}
