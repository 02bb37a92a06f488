/* test_wbcdata.c: a reviewer's white-cell types are kept as data: crop, type, microscope, beside the review */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image/imgio.h"
#include "store/fsutil.h"
#include "store/results.h"
#include "store/wbcdata.h"

#define ID	"AAAAAAAAAAAAAAAAAAAAAA"

int
main(void)
{
	char		 tmpdir[] = "/tmp/bv-wbcdata-XXXXXX", path[512];
	struct img	 im = { 200, 100, NULL };
	unsigned char	*jpg;
	size_t		 len;
	json_t		*result, *changes, *kept, *c;
	struct result_file f[2];
	char		*js;
	int		 rfd, dfd;
	struct stat	 st;

	/* a 400 x 200 photo stored as a half-size plain.jpg */
	if (mkdtemp(tmpdir) == NULL || (rfd = open(tmpdir, O_RDONLY |
	    O_DIRECTORY)) < 0 || (im.rgb = malloc(200 * 100 * 3)) == NULL)
		return 99;
	memset(im.rgb, 180, 200 * 100 * 3);
	CHECK(imgio_encode_jpeg(&im, 90, &jpg, &len) == 0);
	result = json_pack("{s:s,s:{s:i,s:i},s:s,s:{s:f,s:s},s:{s:s},s:["
	    "{s:s,s:f,s:{s:i,s:i,s:i,s:i},s:{s:s,s:s,s:f}},"
	    "{s:s,s:f,s:{s:i,s:i,s:i,s:i},s:{s:s,s:s,s:f}},"
	    "{s:s,s:f,s:{s:i,s:i,s:i,s:i}}]}", "id", ID, "image", "width", 400,
	    "height", 200, "microscope", "bench-1", "scale", "um_per_px", 0.1,
	    "source", "profile", "model", "name", "v2", "detections",
	    "class", "WBC", "confidence", 0.9, "box", "x", 100, "y", 50, "w",
	    60, "h", 60, "wbc_type", "class", "untyped", "best", "neutrophil",
	    "confidence", 0.5,
	    "class", "WBC", "confidence", 0.9, "box", "x", 300, "y", 50, "w",
	    60, "h", 60, "wbc_type", "class", "lymphocyte", "best",
	    "lymphocyte", "confidence", 0.95,
	    "class", "RBC", "confidence", 0.9, "box", "x", 10, "y", 10, "w",
	    30, "h", 30);
	js = json_dumps(result, 0);
	f[0] = (struct result_file){ "plain.jpg", jpg, len };
	f[1] = (struct result_file){ "result.json", js, strlen(js) };
	CHECK(results_commit(rfd, ID, f, 2) == RESULTS_OK);
	/* a type set (untyped -> neutrophil), one confirmed, an added cell
	 * typed, a deletion and a red cell's change: no data */
	changes = json_loads("[{\"op\":\"reclassify\",\"detection\":0,"
	    "\"class\":\"WBC\",\"from\":\"WBC\",\"wbc_type\":\"neutrophil\"},"
	    "{\"op\":\"reclassify\",\"detection\":1,\"class\":\"WBC\","
	    "\"from\":\"WBC\",\"wbc_type\":\"lymphocyte\"},{\"op\":\"add\","
	    "\"class\":\"WBC\",\"box\":{\"x\":20,\"y\":100,\"w\":40,\"h\":40},"
	    "\"wbc_type\":\"eosinophil\"},{\"op\":\"reclassify\","
	    "\"detection\":2,\"class\":\"Platelets\",\"from\":\"RBC\"}]", 0,
	    NULL);
	CHECK(changes != NULL);
	CHECK(wbcdata_keep(rfd, ID, 1, result, changes, "T. Tech") == 0);
	dfd = openat(rfd, ID, O_RDONLY | O_DIRECTORY);
	kept = fsutil_load_json(dfd, "wbc-types-1.json");
	CHECK(kept != NULL);
	CHECK_STR(json_string_value(json_object_get(kept, "microscope")),
	    "bench-1");
	CHECK_STR(json_string_value(json_object_get(json_object_get(kept,
	    "scale"), "source")), "profile");
	CHECK_STR(json_string_value(json_object_get(kept, "by")), "T. Tech");
	CHECK(json_array_size(json_object_get(kept, "cells")) == 3);
	c = json_array_get(json_object_get(kept, "cells"), 0);
	CHECK_STR(json_string_value(json_object_get(c, "type")), "neutrophil");
	CHECK(json_is_false(json_object_get(c, "confirmed")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(c,
	    "classifier"), "best")), "neutrophil");
	c = json_array_get(json_object_get(kept, "cells"), 1);
	CHECK(json_is_true(json_object_get(c, "confirmed")));
	c = json_array_get(json_object_get(kept, "cells"), 2);
	CHECK_STR(json_string_value(json_object_get(c, "type")), "eosinophil");
	CHECK(json_is_null(json_object_get(c, "detection")));
	/* each crop is a JPEG of the grown square: 60 x 1.4 / 2 = 42 px */
	CHECK_STR(json_string_value(json_object_get(json_array_get(
	    json_object_get(kept, "cells"), 0), "crop")), "wbc-types-1-0.jpg");
	CHECK(fstatat(dfd, "wbc-types-1-0.jpg", &st, 0) == 0 && st.st_size > 0);
	CHECK(fstatat(dfd, "wbc-types-1-2.jpg", &st, 0) == 0);
	CHECK(fstatat(dfd, "wbc-types-1-3.jpg", &st, 0) == -1);
	{
		int fd = openat(dfd, "wbc-types-1-0.jpg", O_RDONLY);
		struct img ci = { 0, 0, NULL };
		unsigned char *b;

		CHECK(fstatat(dfd, "wbc-types-1-0.jpg", &st, 0) == 0);
		b = malloc((size_t)st.st_size);
		CHECK(b != NULL && read(fd, b, (size_t)st.st_size) == st.st_size);
		CHECK(imgio_decode(b, (size_t)st.st_size, IMG_JPEG, NULL, &ci) ==
		    IMG_OK);
		CHECK(ci.w == 42 && ci.h == 42);
		imgio_free(&ci);
		free(b);
		close(fd);
	}
	json_decref(kept);
	/* a review that types nothing keeps nothing */
	json_decref(changes);
	changes = json_loads("[{\"op\":\"delete\",\"detection\":2,"
	    "\"class\":\"RBC\"}]", 0, NULL);
	CHECK(wbcdata_keep(rfd, ID, 2, result, changes, "T. Tech") == 0);
	CHECK(fstatat(dfd, "wbc-types-2.json", &st, 0) == -1);
	close(dfd);
	CHECK(results_delete(rfd, ID) == RESULTS_OK);
	close(rfd);
	snprintf(path, sizeof(path), "%s", tmpdir);
	rmdir(path);
	json_decref(changes);
	json_decref(result);
	free(js);
	free(jpg);
	imgio_free(&im);
	return check_done("test_wbcdata");
}
