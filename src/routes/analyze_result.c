/* analyze_result.c: an upload's result object: image, model, thresholds, counts, detections, URLs */

#include "routes/analyze_result.h"
#include "base/config.h"
#include "base/count.h"
#include "base/num.h"
#include "base/timing.h"
#include "vision/detector.h"
#include "vision/pipeline.h"

#include <stdio.h>

json_t *
analyze_result_new(const struct app *app, const char *id, int W, int H,
    const char *mime, double threshold, const double *thr,
    const struct det_box *v, size_t n, const char *sample)
{
	const struct detector	*det = app->det;
	json_t			*o, *counts, *dets, *classes, *urls, *tv;
	char			 created[32], url[96];
	int			 c, netw, neth;
	size_t			 i;

	timing_now_iso(created, sizeof(created));
	detector_input_size(det, &netw, &neth);
	counts = pipeline_class_map(det, NULL);
	tv = pipeline_class_map(det, thr);
	classes = json_array();
	for (c = 0; c < detector_classes(det); c++)
		json_array_append_new(classes,
		    json_string(detector_class_name(det, c)));
	dets = json_array();
	for (i = 0; i < n; i++) {
		const char *name = detector_class_name(det, v[i].cls);
		/* count what the JSON says: rounded score, rounded corners */
		double conf = num_round3(v[i].conf);
		double x0 = num_round1(v[i].x), y0 = num_round1(v[i].y);
		double x1 = num_round1(v[i].x + v[i].w);
		double y1 = num_round1(v[i].y + v[i].h);

		if (count_counted(v[i].conf, thr[v[i].cls]))
			json_object_set_new(counts, name, json_integer(
			    json_integer_value(json_object_get(counts,
			    name)) + 1));
		json_array_append_new(dets, json_pack(
		    "{s:s,s:i,s:f,s:{s:f,s:f,s:f,s:f}}",
		    "class", name, "class_id", v[i].cls,
		    "confidence", conf, "box", "x", x0, "y", y0,
		    "w", num_round1(x1 - x0), "h", num_round1(y1 - y0)));
	}
	urls = json_object();
	snprintf(url, sizeof(url), "/results/%s/annotated.jpg", id);
	json_object_set_new(urls, "image", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/plain.jpg", id);
	json_object_set_new(urls, "plain", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/thumb.jpg", id);
	json_object_set_new(urls, "thumb", json_string(url));
	snprintf(url, sizeof(url), "/results/%s/result.json", id);
	json_object_set_new(urls, "json", json_string(url));

	o = json_pack("{s:s,s:s,s:{s:i,s:i,s:s},s:{s:s,s:b,s:{s:i,s:i}},"
	    "s:f,s:o,s:f,s:o,s:o,s:o,s:o}",
	    "id", id, "created", created,
	    "image", "width", W, "height", H, "type", mime,
	    "model", "name", app->model_name,
	    "trained", json_is_true(json_object_get(app->model_info,
	    "trained")), "input", "width", netw, "height", neth,
	    "threshold", threshold, "thresholds", tv,
	    "min_confidence", num_round3(app->cfg->min_confidence),
	    "classes", classes, "counts", counts, "detections", dets,
	    "urls", urls);
	if (o != NULL)
		json_object_set_new(o, "sample",
		    sample ? json_string(sample) : json_null());
	return o;
}
