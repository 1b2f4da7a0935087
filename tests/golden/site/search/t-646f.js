CatalogSearch.add("t","do",{"double":[10.209,"2_"],"double descent":[2.947,"2_"]});
