CatalogSearch.add("t","do",{"double":[10.211,"2_"],"double descent":[5.214,"2_"]});
