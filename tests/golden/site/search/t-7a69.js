CatalogSearch.add("t","zi",{"ziv":[4.073,"4_"]});
