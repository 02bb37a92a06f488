# nginx.sh: the backend on its own socket behind nginx (etc/nginx-bloodview.conf's locations), for tests (sourced)
# Uses $top_srcdir and $top_builddir (set by make check) and bv_free_port
# from tests/lib/server.sh (source that first).
#
# bv_nginx_found: true when nginx is installed (sets NGINX).
#
# bv_nginx_start STATE [CONF-LINE]: writes the configs into the directory
# STATE (bloodview.conf with CONF-LINE added, as BV_EXTRA_CONF), starts
# the backend on STATE/fcgi.sock as spawn-fcgi or systemd would (as
# www-data when run as root) and nginx on a free loopback port, then waits
# for /api/health (a 120 s hang guard; exit 99 with the logs when it never
# answers).  Sets BV_NGINX_URL, BV_NGINX_PID and BV_NGINX_BACKEND_PID.
# The caller owns STATE and its trap; bv_nginx_stop stops both processes.

bv_nginx_found() {
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$NGINX" ]
}

# bv_nginx_conf STATE PORT: nginx.conf and the server block under STATE/nginx
bv_nginx_conf() {
	mkdir -p "$1/nginx"
	# the server block of etc/nginx-bloodview.conf with this test's paths
	sed -e "s|listen 8080;|listen 127.0.0.1:$2;|" \
	    -e "s|@htdocsdir@|$top_srcdir/htdocs|" \
	    -e "s|unix:/run/bloodview/bloodview.sock|unix:$1/fcgi.sock|" \
	    -e "s|root @statedir@;|root $1;|" \
	    -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	    "$top_srcdir/etc/nginx-bloodview.conf.in" > "$1/nginx/server.conf"
	cat > "$1/nginx/nginx.conf" <<EOC
$( [ "$(id -u)" = 0 ] && echo "user www-data;" )
worker_processes 1;
pid $1/nginx/nginx.pid;
error_log $1/nginx/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path $1/nginx/body;
	fastcgi_temp_path $1/nginx/fcgi;
	proxy_temp_path $1/nginx/proxy;
	uwsgi_temp_path $1/nginx/uwsgi;
	scgi_temp_path $1/nginx/scgi;
	include $1/nginx/server.conf;
}
EOC
}

bv_nginx_start() {
	: "${top_srcdir:?}" "${top_builddir:?}"
	bv_nginx_found || { echo "SKIP: nginx is not installed"; exit 77; }
	bv_ngx_state=$1
	bv_ngx_port=$(bv_free_port)
	BV_EXTRA_CONF=${2:-} sh "$top_srcdir/etc/mkconf-local.sh" \
	    "$bv_ngx_state" "$bv_ngx_port" "$top_builddir" "$top_srcdir" 1 \
	    >/dev/null || { echo "ERROR: cannot write configs"; exit 99; }
	bv_ngx_run_as=
	if [ "$(id -u)" = 0 ]; then
		chown -R www-data:www-data "$bv_ngx_state"
		bv_ngx_run_as="runuser -u www-data --"
	fi
	$bv_ngx_run_as "$top_builddir/cgi-bin/bloodview" \
	    -c "$bv_ngx_state/bloodview.conf" -s "$bv_ngx_state/fcgi.sock" \
	    2>"$bv_ngx_state/backend.log" &
	BV_NGINX_BACKEND_PID=$!
	bv_nginx_conf "$bv_ngx_state" "$bv_ngx_port"
	"$NGINX" -c "$bv_ngx_state/nginx/nginx.conf" -g 'daemon off;' \
	    2>"$bv_ngx_state/nginx/stderr" &
	BV_NGINX_PID=$!
	BV_NGINX_URL=http://127.0.0.1:$bv_ngx_port
	bv_ngx_i=0
	until curl -sf -o /dev/null "$BV_NGINX_URL/api/health"; do
		bv_ngx_i=$((bv_ngx_i + 1))
		if [ $bv_ngx_i -gt 1200 ]; then
			echo "ERROR: nginx/backend not up"
			cat "$bv_ngx_state/nginx/stderr" \
			    "$bv_ngx_state/nginx/error.log" \
			    "$bv_ngx_state/backend.log"
			exit 99
		fi
		sleep 0.1
	done
}

bv_nginx_stop() {
	kill ${BV_NGINX_PID:-} ${BV_NGINX_BACKEND_PID:-} 2>/dev/null
	wait 2>/dev/null
	BV_NGINX_PID= BV_NGINX_BACKEND_PID=
}
