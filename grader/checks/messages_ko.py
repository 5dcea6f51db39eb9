"""Korean text of the self-check messages, keyed by their English text (see ``i18n.py``).

Code in a message (``w.dbfs.upload(...)``) stays as it is: the learner types it as it is.
"""

from __future__ import annotations

KO: dict[str, str] = {
    # the table itself (report.py)
    "{title}: {ok}/{total} checks passed": "{title}: {total}개 중 {ok}개 통과",
    "PASS": "통과",
    "FAIL": "실패",
    "check": "확인 항목",
    "expected": "기대값",
    "found": "실제값",
    "hint": "힌트",
    "Some checks did not pass yet:": "아직 통과하지 못한 확인 항목이 있습니다:",
    # shared
    "`{name}` exists": "`{name}` 변수가 정의됨",
    "no variable named {name}": "{name} 변수가 없음",
    "none": "없음",
    "nothing": "없음",
    "no endpoint": "엔드포인트 없음",
    "a DataFrame": "DataFrame 객체",
    "{n} rows": "{n}행",
    "no error": "오류 없음",
    "Run the setup cell.": "setup 셀을 먼저 실행하십시오.",
    # step 01
    "Step 01 · connect to the workspace": "1단계 · workspace에 연결하기",
    "Step 01 · the penguin data in the lab's file system": "1단계 · 실습 파일 시스템의 펭귄 데이터",
    "a workspace client": "workspace 클라이언트",
    "the current user": "현재 사용자",
    "the workspace client answers": "workspace 클라이언트가 응답함",
    "an object with .current_user and .clusters": ".current_user와 .clusters가 있는 객체",
    "Use the client lab.workspace_client() returns.": "lab.workspace_client()가 반환하는 클라이언트를 사용하십시오.",
    "you are known to the workspace": "workspace가 사용자를 알고 있음",
    "me must be what w.current_user.me() returns.": "me는 w.current_user.me()가 반환한 값이어야 합니다.",
    "{path} exists": "{path} 파일이 있음",
    "a file": "파일",
    "Upload it with w.dbfs.upload(path, io.BytesIO(penguins_csv()), overwrite=True).": (
        "w.dbfs.upload(path, io.BytesIO(penguins_csv()), overwrite=True)로 업로드하십시오."
    ),
    "the file is the lab's penguins.csv, byte for byte": "파일이 실습의 penguins.csv와 바이트 단위로 같음",
    "Upload penguins_csv() unchanged: no re-encoding, no edits.": (
        "penguins_csv()를 그대로 업로드하십시오: 인코딩을 바꾸거나 수정하지 마십시오."
    ),
    # step 02
    "Step 02 · the cluster spec": "2단계 · cluster 사양",
    "Step 02 · the cluster runs and Spark answers": "2단계 · cluster 실행 및 Spark 응답",
    "the ClusterDetails create_and_wait returned": "create_and_wait가 반환한 ClusterDetails",
    "runtime: latest LTS ML, no GPU, Scala 2.13": "런타임: 최신 LTS ML, GPU 없음, Scala 2.13",
    "select_spark_version(latest=True, long_term_support=True, ml=True, gpu=False, "
    "scala='2.13'): its scala defaults to 2.12.": (
        "select_spark_version(latest=True, long_term_support=True, ml=True, gpu=False, "
        "scala='2.13'): scala의 기본값은 2.12입니다."
    ),
    "single node, no workers": "단일 노드, 작업자 노드 없음",
    "A single-node cluster is one driver and no workers: kind=Kind.CLASSIC_PREVIEW "
    "with is_single_node=True (or the older way, without kind: num_workers=0, "
    "spark_conf with the singleNode profile and spark.master local[*], and the tag "
    "ResourceClass=SingleNode).": (
        "단일 노드 cluster는 드라이버 노드 하나와 작업자 노드 0개입니다: "
        "kind=Kind.CLASSIC_PREVIEW와 is_single_node=True를 함께 쓰십시오(kind 없이 쓰는 "
        "이전 방식: num_workers=0, singleNode 프로필과 spark.master local[*]를 담은 "
        "spark_conf, ResourceClass=SingleNode 태그)."
    ),
    "node type": "노드 유형",
    "no Photon": "Photon 사용 안 함",
    "single-user access for you": "본인에 대한 단일 사용자(Single user) 액세스",
    "SINGLE_USER for {user}": "{user}의 SINGLE_USER",
    "{mode} for {user}": "{user}의 {mode}",
    "terminates after 20 idle minutes": "20분 동안 비활성 상태이면 종료",
    "a SparkSession": "SparkSession 객체",
    "the cluster is RUNNING": "cluster가 RUNNING 상태임",
    "create_and_wait returns once the cluster runs; did something terminate it?": (
        "create_and_wait는 cluster가 실행되면 반환합니다. 무언가가 cluster를 종료하지 않았습니까?"
    ),
    "Spark answers: spark.range(100).count()": "Spark 응답: spark.range(100).count()",
    # step 03
    "Step 03 · clean and type the data": "3단계 · 데이터 정리 및 타입 지정",
    "Step 03 · split 70/30": "3단계 · 70/30 분할",
    "columns and types": "컬럼과 데이터 타입",
    "select(col('CulmenLength').astype('float'), ...) for each column.": (
        "각 컬럼마다 select(col('CulmenLength').astype('float'), ...)처럼 변환하십시오."
    ),
    "incomplete rows dropped": "불완전한 행 제거",
    "data.dropna() removes the 2 penguins without measurements.": (
        "data.dropna()는 측정값이 없는 펭귄 2마리를 제거합니다."
    ),
    "randomSplit([0.7, 0.3]): training first.": "randomSplit([0.7, 0.3]): 학습 데이터가 먼저입니다.",
    # step 04
    "Step 04 · an MLflow run with the lab's parameters": "4단계 · 실습 파라미터로 만든 MLflow 실행",
    "Step 04 · the run's metrics and model": "4단계 · 실행의 메트릭과 모델",
    "Inside `with mlflow.start_run():` log maxIter and regParam with log_param.": (
        "`with mlflow.start_run():` 블록 안에서 log_param으로 maxIter와 regParam을 기록하십시오."
    ),
    "three metrics logged, each in [0, 1]": "메트릭 3개가 기록되었고 각각 [0, 1] 범위임",
    "mlflow.log_metric(metric, metricValue) for each of the three metrics.": (
        "세 메트릭 각각에 대해 mlflow.log_metric(metric, metricValue)를 호출하십시오."
    ),
    "the model is logged with the run": "모델이 실행과 함께 기록됨",
    "a logged Spark model (an MLmodel file) in the run's artifacts": (
        "실행의 아티팩트에 기록된 Spark 모델(MLmodel 파일)"
    ),
    "the model does not load": "모델을 불러올 수 없음",
    "Evaluate model.transform(test) and log what the evaluator returns.": (
        "model.transform(test)를 평가하고 evaluator가 반환한 값을 기록하십시오."
    ),
    # step 05
    "Step 05 · the function": "5단계 · 함수",
    "Step 05 · a run with maxIterations=10, regularization=0.2": (
        "5단계 · maxIterations=10, regularization=0.2로 만든 실행"
    ),
    "Step 05 · the function with other values": "5단계 · 다른 값으로 호출한 함수",
    "a function": "함수",
    "not a function: {value}": "함수가 아님: {value}",
    "Keep the lab's parameter names and order.": "실습의 파라미터 이름과 순서를 그대로 사용하십시오.",
    "Call train_penguin_model(train, test, 10, 0.2).": (
        "train_penguin_model(train, test, 10, 0.2)를 호출하십시오."
    ),
    "the train DataFrame": "train DataFrame 객체",
    "the test DataFrame": "test DataFrame 객체",
    "train_penguin_model(train, test, {max_iter}, {reg_param}) runs": (
        "train_penguin_model(train, test, {max_iter}, {reg_param})가 실행됨"
    ),
    "Use the function's arguments, not fixed values.": "고정된 값이 아니라 함수의 인자를 사용하십시오.",
    "Log the arguments' values: maxIter=maxIterations, regParam=regularization.": (
        "인자의 값을 기록하십시오: maxIter=maxIterations, regParam=regularization."
    ),
    "the call made a new run": "호출이 새 실행을 만듦",
    "one new run": "새 실행 1개",
    "a new run": "새 실행",
    "Start a run inside the function: with mlflow.start_run():": (
        "함수 안에서 실행을 시작하십시오: with mlflow.start_run():"
    ),
    # step 06
    "Step 06 · register the model as lab.model_name": "6단계 · 모델을 lab.model_name으로 등록하기",
    "Step 06 · the endpoint answers the lab's request": "6단계 · 엔드포인트가 실습의 요청에 응답함",
    "Step 06 · the endpoint for other penguins": "6단계 · 다른 펭귄에 대한 엔드포인트 응답",
    "a registered model named {name}": "{name}라는 이름의 등록된 모델",
    "at least one version": "버전 1개 이상",
    "version {v}": "버전 {v}",
    "no such model": "해당 모델 없음",
    "version {v} from run {id}": "실행 {id}에서 만든 버전 {v}",
    "your latest run with a model, {ago}": "모델이 있는 가장 최근 실행, {ago}",
    "(no run with a model)": "(모델이 있는 실행 없음)",
    "the version comes from your latest run": "버전이 가장 최근 실행에서 만들어짐",
    "Register runs:/<latest run id>/<its classifier-… folder>.": (
        "runs:/<최근 run id>/<그 실행의 classifier-… 폴더>를 등록하십시오."
    ),
    "endpoint {name} is READY": "엔드포인트 {name}이(가) READY 상태임",
    "it serves the registered version": "등록된 버전을 서빙함",
    "the endpoint's answer": "엔드포인트의 응답",
    "one prediction, a valid species (0, 1 or 2)": "예측 1개, 유효한 종(0, 1 또는 2)",
    "[0.0], [1.0] or [2.0]": "[0.0], [1.0] 또는 [2.0]",
    "Send the lab's request: one record in dataframe_records.": (
        "실습의 요청을 보내십시오: dataframe_records에 레코드 1개."
    ),
    "{n} other penguins: the model's own predictions": "다른 펭귄 {n}마리: 모델 자체의 예측과 같음",
    "Serve the version you registered, and keep the endpoint running.": (
        "등록한 버전을 서빙하고 엔드포인트를 계속 실행해 두십시오."
    ),
    # step 07
    "endpoint {name} deleted": "엔드포인트 {name} 삭제됨",
    "your cluster is terminated": "cluster가 종료됨",
    "no cluster": "cluster 없음",
    "running: {ids}": "실행 중: {ids}",
    "w.clusters.delete(cluster_id) terminates it (delete_and_wait waits).": (
        "w.clusters.delete(cluster_id)로 종료합니다(delete_and_wait는 종료될 때까지 기다립니다)."
    ),
    "no Spark session left in this notebook": "이 notebook에 남은 Spark 세션 없음",
    "a running SparkSession": "실행 중인 SparkSession",
    "Terminating the cluster stops its Spark session.": "cluster를 종료하면 Spark 세션도 멈춥니다.",
    # step 03 (split, types)
    "a 70/30 split, training first": "학습 데이터가 먼저인 70/30 분할",
    "randomSplit([0.7, 0.3]): train the 0.7 part, test the 0.3 part": "randomSplit([0.7, 0.3]): train은 0.7 부분, test는 0.3 부분",
    "splits = data.randomSplit([0.7, 0.3]); train, test = splits[0], splits[1]": "splits = data.randomSplit([0.7, 0.3])로 분할하고 train, test = splits[0], splits[1]로 나누십시오.",
    "train {n_train} rows, test {n_test} rows": "train {n_train}행, test {n_test}행",
    "{names} not a part of data.randomSplit(...)": "{names}이(가) data.randomSplit(...)의 한 부분이 아님",
    "train and test come from two different randomSplit calls": "train과 test가 서로 다른 randomSplit 호출에서 나옴",
    "Split once and take both parts of the same split: training first.": "한 번만 분할하고 같은 분할의 두 부분을 사용하십시오: 학습 데이터가 먼저입니다.",
    "weights {weights}, train first": "가중치 {weights}, train이 먼저",
    "train and test swapped: train is the 0.3 part": "train과 test가 뒤바뀜: train이 0.3 부분임",
    "{name}: missing": "{name}: 없음",
    "{name}: not a column of the lab": "{name}: 실습에 없는 컬럼",
    # step 01 (file)
    "{size:,} bytes, {rows} rows": "{size:,}바이트, {rows}행",
    "it ends after line {n}": "{n}번째 줄 뒤에서 끝남",
    "line {n} differs: {line}": "{n}번째 줄이 다름: {line}",
    "line {n} ends in CR LF, the lab's file in LF": "{n}번째 줄이 CR LF로 끝남(실습 파일은 LF)",
    # runs (steps 04-06)
    "your latest run {id}, {ago}": "가장 최근 실행 {id}, {ago}",
    "an older run {id}, {ago}": "이전 실행 {id}, {ago}",
    "at an unknown time": "시각 알 수 없음",
    "{n} seconds ago": "{n}초 전",
    "{n} minutes ago": "{n}분 전",
    "{n} hours ago": "{n}시간 전",
    "{n} days ago": "{n}일 전",
    "your latest run has maxIter={max_iter}, regParam={reg_param}": "가장 최근 실행의 파라미터가 maxIter={max_iter}, regParam={reg_param}임",
    "{older} had them, but the latest run is the one judged": "{older}에는 이 값이 있지만, 평가 대상은 가장 최근 실행입니다",
    "a run in your experiment": "실험(experiment)에 실행이 있음",
    "a run in {experiment}": "{experiment}에 실행",
    "no run": "실행 없음",
    "no run in {experiment}": "{experiment}에 실행 없음",
    "not logged": "기록되지 않음",
    "no model in {run}": "{run}에 모델 없음",
    "the logged metrics are the logged model's on test": "기록된 메트릭이 기록된 모델의 test 메트릭과 같음",
    "a model that loads": "불러올 수 있는 모델",
    "{metric}={value:.4f} logged": "{metric}={value:.4f} 기록됨",
    "Run the training cell: a run inside `with mlflow.start_run():`.": "학습 셀을 실행하십시오: `with mlflow.start_run():` 블록 안의 실행.",
    # step 05
    "Your function takes its parameters in another order ({found}); the lab's order is {expected}, and a call by position gives each value to the wrong parameter.": "함수의 파라미터 순서가 다릅니다({found}). 실습의 순서는 {expected}이며, 위치로 호출하면 각 값이 엉뚱한 파라미터에 전달됩니다.",
    "maxIter and regParam are swapped: pass maxIterations third and regularization fourth, and log maxIter=maxIterations, regParam=regularization.": "maxIter와 regParam이 뒤바뀌었습니다: maxIterations를 세 번째, regularization을 네 번째로 전달하고 maxIter=maxIterations, regParam=regularization으로 기록하십시오.",
    "Your function fails for maxIterations={max_iter}, regularization={reg_param}: it must work for any values, as the lab's does.": "함수가 maxIterations={max_iter}, regularization={reg_param}에서 실패합니다: 실습의 함수처럼 어떤 값에도 동작해야 합니다.",
    # step 07
    "Step 07 · delete the endpoint": "7단계 · 엔드포인트 삭제하기",
    "Step 07 · terminate the cluster": "7단계 · cluster 종료하기",
    # See your run (lab/display.py)
    "You have no run in this step yet: run the training cell first.": "이 단계의 실행이 아직 없습니다: 먼저 학습 셀을 실행하십시오.",
    "{run} logged no model, so there is no confusion matrix to show: log it with mlflow.spark.log_model(model, unique_model_name, ...) and run it again.": "{run}에는 기록된 모델이 없어 혼동 행렬을 보여 줄 수 없습니다: mlflow.spark.log_model(model, unique_model_name, ...)로 모델을 기록하고 다시 실행하십시오.",
    "Your run in the MLflow UI:": "MLflow UI의 실행:",
    "All your runs, to compare:": "비교할 모든 실행:",
    # the feedback page and its reasons (grading/feedback.py, grading/collect.py)
    "Feedback for {student}": "{student}님의 피드백",
    "Total:": "총점:",
    "Scored nothing: {reason}": "점수 없음: {reason}",
    "No tests were graded.": "채점된 테스트가 없습니다.",
    "Test": "테스트",
    "Points": "점수",
    "Result": "결과",
    "Report": "보고서",
    "{what}: expected {expected}, found {found}": "{what}: 기대값 {expected}, 실제값 {found}",
    "missing": "제출되지 않음",
    "timed out": "시간 초과",
    "kernel died": "커널이 중단됨",
    "could not be read": "읽을 수 없음",
    "test cell missing or altered in the submission": "제출물에서 테스트 셀이 없거나 변경됨",
    "tampering with the grader": "채점기를 조작함",
    "not confirmed by the lab's records": "실습 기록으로 확인되지 않음",
    # step 06 run again (grader/lab/lab.py, Lab.say_latest_version)
    "Version {version} is now the latest of {name}.": "이제 {name}의 최신 버전은 {version}입니다.",
    "Earlier versions stay registered; the endpoint predict-penguin keeps the version it serves until the next cell moves it to version {version}.": "이전 버전들도 등록된 채로 남습니다. 다음 셀이 엔드포인트 predict-penguin을 버전 {version}(으)로 옮길 때까지 엔드포인트는 지금 서빙하는 버전을 그대로 서빙합니다.",
    # Validate's progress in JupyterLab (grader/grading/validate_server.py)
    "Validate is running {notebook} from the top in a copy of your lab…": "검증(Validate)이 실습 사본에서 {notebook}을(를) 처음부터 실행하고 있습니다…",
    "Validate is running {notebook} in a copy of your lab: cell {cell} of {cells}": "검증(Validate)이 실습 사본에서 {notebook}을(를) 실행하고 있습니다: 셀 {cells}개 중 {cell}번째",
    "Validate ran {notebook} to the end ({cells} cells, {seconds:.0f} s)": "검증(Validate)이 {notebook}을(를) 끝까지 실행했습니다 (셀 {cells}개, {seconds:.0f}초)",
    "Validate stopped in {notebook} after {cell} of {cells} cells": "검증(Validate)이 {notebook}의 셀 {cells}개 중 {cell}개를 실행한 뒤 멈췄습니다",
}
